-- name: insert_mail
INSERT INTO mail_outbox (recipient, template, language, subject, body_text, body_html,
                         next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()))
RETURNING id

-- name: notify_mail
SELECT pg_notify('mail_outbox', '')

-- name: claim_due_mails
-- The due mails, leased in the claiming statement: their next attempt moves to $3, past the
-- longest a batch takes to send, so that no transaction stays open while the SMTP relay is
-- talked to; SKIP LOCKED: two workers never take the same mail. A worker that dies while
-- sending leaves its mails due again when the lease ends.
WITH due AS (
    SELECT id FROM mail_outbox
    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
    ORDER BY next_attempt_at, created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE mail_outbox m SET next_attempt_at = $3
FROM due WHERE m.id = due.id
RETURNING m.id, m.recipient, m.subject, m.body_text, m.body_html, m.attempts, m.created_at

-- name: mark_sent
UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1

-- name: mark_retry
UPDATE mail_outbox
SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
WHERE id = $1

-- name: mark_failed
UPDATE mail_outbox
SET attempts = attempts + 1, failed_at = $2, last_error = $3
WHERE id = $1

-- name: purge_delivered
-- Sent and abandoned mails carry personal data and are not kept longer than needed.
DELETE FROM mail_outbox WHERE coalesce(sent_at, failed_at) < $1

-- name: purge_unsent
DELETE FROM mail_outbox WHERE sent_at IS NULL AND created_at < $1

-- name: list_mails
SELECT id, recipient, template, language, subject, created_at, attempts, sent_at, failed_at,
       last_error
FROM mail_outbox
ORDER BY created_at DESC
LIMIT $1

-- name: get_mail
SELECT id, recipient, template, language, subject, body_text, body_html, created_at, attempts,
       sent_at, failed_at, last_error
FROM mail_outbox
WHERE id = $1
