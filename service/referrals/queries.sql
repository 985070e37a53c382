-- Referrals: the anonymous facts in `referral`, the person in `referral_person`.

-- name: summary_select
SELECT r.id, r.reference, r.status, r.urgency, r.anonymous,
       json_build_object('id', fo.id, 'name', fo.name) AS from_organisation,
       json_build_object('id', too.id, 'name', too.name) AS to_organisation,
       r.service_id, r.service_name, r.place_id, r.themes, r.decline_reason, r.outcome,
       r.redirected_from_id, r.redirected_to_id, r.created_at, r.updated_at, r.expires_at,
       r.answered_at, r.final_at, r.personal_data_erased_at, r.version,
       r.consent_version, r.consent_at, r.created_by,
       r.from_organisation_id, r.to_organisation_id,
       coalesce(m.messages, 0) AS messages, m.last_message_at
FROM referral r
JOIN organisation fo ON fo.id = r.from_organisation_id
JOIN organisation too ON too.id = r.to_organisation_id
LEFT JOIN LATERAL (
    SELECT count(*) AS messages, max(e.at) AS last_message_at
    FROM referral_event e WHERE e.referral_id = r.id AND e.action = 'message'
) AS m ON true

-- name: answers_to_sent
-- The last answer (accepted, declined, redirected) given since $2 to each referral the given
-- organisations ($1) sent, most recent first, at most $3: the sender's follow-up on the
-- dashboard. Only the anonymous facts the sent list shows, never the person.
SELECT r.id, r.reference, r.service_name, too.name AS to_organisation,
       too.language AS to_language, a.action, a.at
FROM referral r
JOIN organisation too ON too.id = r.to_organisation_id
JOIN LATERAL (
    SELECT e.action, e.at FROM referral_event e
    WHERE e.referral_id = r.id AND e.action IN ('accept', 'decline', 'redirect')
    ORDER BY e.at DESC, e.id DESC LIMIT 1
) AS a ON true
-- An answer since $2 changed the referral since then: the cheap test first.
WHERE r.from_organisation_id = ANY($1::uuid[]) AND r.answered_at IS NOT NULL
  AND r.updated_at >= $2 AND a.at >= $2
ORDER BY a.at DESC, r.id
LIMIT $3

-- name: lock_referral
SELECT id, status, version, from_organisation_id, to_organisation_id, created_by, reference,
       expires_at, personal_data_erased_at, service_id, place_id
FROM referral WHERE id = $1 FOR UPDATE

-- name: hold_service
-- The service a referral goes to, held until the referral is committed: an edit of it (which
-- locks it) waits for the referral, or the referral for the edit, then reads what it saved.
SELECT 1 FROM service WHERE id = $1 FOR KEY SHARE

-- name: service_for_referral
SELECT s.id, s.organisation_id, s.name, s.status,
       coalesce((SELECT array_agg(t.theme_id ORDER BY t.theme_id)
                 FROM service_theme t WHERE t.service_id = s.id), '{}') AS themes,
       ($2::uuid IS NULL OR EXISTS (
           SELECT 1 FROM service_place sp WHERE sp.service_id = s.id AND sp.place_id = $2))
           AS held_at_place
FROM service s WHERE s.id = $1

-- name: insert_referral
-- No row when the same user already sent a referral with this idempotency key ($16), even
-- one whose transaction commits while this one waits: the caller then answers that one.
INSERT INTO referral (reference, from_organisation_id, to_organisation_id, service_id, place_id,
                      service_name, themes, urgency, anonymous, consent_version, consent_at,
                      redirected_from_id, created_by, created_at, updated_at, expires_at,
                      idempotency_key, request_fingerprint)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17)
ON CONFLICT (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id

-- name: sent_with_key
-- The referral a user already sent with this idempotency key, and what was sent then.
SELECT id, request_fingerprint FROM referral WHERE created_by = $1 AND idempotency_key = $2

-- name: insert_person
INSERT INTO referral_person (referral_id, reason, first_name, last_name, phone, email,
                             contact_preference, languages, availability, eligibility_checked)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)

-- name: copy_person
INSERT INTO referral_person (referral_id, reason, first_name, last_name, phone, email,
                             contact_preference, languages, availability, eligibility_checked)
SELECT $2, reason, first_name, last_name, phone, email, contact_preference, languages,
       availability, eligibility_checked
FROM referral_person WHERE referral_id = $1

-- name: person
SELECT reason, first_name, last_name, phone, email, contact_preference, languages,
       availability, eligibility_checked
FROM referral_person WHERE referral_id = $1

-- name: insert_event
INSERT INTO referral_event (referral_id, action, status, actor_id, actor_organisation_id, at,
                            code, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- name: same_message_just_sent
-- The same text that this user ($2) wrote on this referral since $4: a message sent twice (a
-- double click, a retry after a timeout) is kept once.
SELECT at, actor_organisation_id FROM referral_event
WHERE referral_id = $1 AND action = 'message' AND actor_id = $2 AND note = $3 AND at >= $4
ORDER BY at DESC LIMIT 1

-- name: events
SELECT e.action, e.status, e.at, e.actor_organisation_id AS organisation_id, e.code, e.note,
       CASE WHEN e.actor_id IS NULL AND e.actor_organisation_id IS NULL THEN 'system'
            ELSE u.email END AS actor
FROM referral_event e LEFT JOIN app_user u ON u.id = e.actor_id
WHERE e.referral_id = $1
ORDER BY e.at, e.id

-- name: same_answer_just_given
-- Whether the referral's last answer is this one ($3 action, $4 code, $5 note), given by this
-- person ($2) since $6: the same form sent twice.
SELECT e.action = $3 AND e.actor_id = $2 AND e.code IS NOT DISTINCT FROM $4
       AND e.note IS NOT DISTINCT FROM $5 AND e.at >= $6
FROM referral_event e
WHERE e.referral_id = $1 AND e.action NOT IN ('message', 'erase')
ORDER BY e.at DESC, e.id DESC
LIMIT 1

-- name: redirected_to_target
-- The service and place of the referral a redirect made.
SELECT n.service_id, n.place_id FROM referral r JOIN referral n ON n.id = r.redirected_to_id
WHERE r.id = $1

-- name: apply_transition
-- $3 decline_reason, $4 outcome, $5 redirected_to_id, $6 now
UPDATE referral
SET status = $2,
    decline_reason = coalesce($3, decline_reason),
    outcome = coalesce($4, outcome),
    redirected_to_id = coalesce($5, redirected_to_id),
    answered_at = CASE WHEN answered_at IS NULL AND $2 IN ('accepted', 'declined', 'redirected')
                       THEN $6 ELSE answered_at END,
    accepted_at = CASE WHEN $2 = 'accepted' THEN $6 ELSE accepted_at END,
    final_at = CASE WHEN $2 IN ('declined', 'redirected', 'closed', 'cancelled', 'expired')
                    THEN $6 ELSE final_at END,
    updated_at = $6,
    version = version + 1
WHERE id = $1

-- name: log_access
INSERT INTO referral_access (referral_id, user_id, user_email, at) VALUES ($1, $2, $3, $4)

-- name: access_log
SELECT a.referral_id, r.reference, a.user_id, a.user_email, a.at,
       count(*) OVER () AS total
FROM referral_access a JOIN referral r ON r.id = a.referral_id
WHERE r.from_organisation_id = $1 OR r.to_organisation_id = $1
ORDER BY a.at DESC, a.id DESC
LIMIT $2 OFFSET $3

-- name: organisation_recipients
-- The organisation's own address; without one, its admins and editors; without any (their
-- accounts closed, a team of volunteers), its members, who answer its referrals too: an
-- organisation with people in it is never left unaware of the referrals sent to it.
SELECT coalesce(
    (SELECT ARRAY[o.email] FROM organisation o WHERE o.id = $1 AND o.email IS NOT NULL),
    (SELECT array_agg(u.email ORDER BY u.email)
     FROM membership m JOIN app_user u ON u.id = m.user_id
     WHERE m.organisation_id = $1 AND m.role IN ('admin', 'editor') AND u.disabled_at IS NULL),
    (SELECT array_agg(u.email ORDER BY u.email)
     FROM membership m JOIN app_user u ON u.id = m.user_id
     WHERE m.organisation_id = $1 AND u.disabled_at IS NULL),
    '{}') AS emails

-- name: receiving_participants
-- The people of the receiving organisation ($2) who answered the referral ($1) or wrote on it,
-- while they still belong to it and can sign in.
SELECT array_agg(DISTINCT u.email) FILTER (WHERE u.email IS NOT NULL)
FROM referral_event e
JOIN app_user u ON u.id = e.actor_id AND u.disabled_at IS NULL
JOIN membership m ON m.user_id = u.id AND m.organisation_id = $2
WHERE e.referral_id = $1 AND e.actor_organisation_id = $2

-- name: organisation_language
SELECT language FROM organisation WHERE id = $1

-- name: member_email
-- A user's address while they still belong to the organisation and can sign in.
SELECT u.email FROM app_user u JOIN membership m ON m.user_id = u.id
WHERE u.id = $1 AND m.organisation_id = $2 AND u.disabled_at IS NULL

-- name: admin_emails
SELECT u.email FROM membership m JOIN app_user u ON u.id = m.user_id
WHERE m.organisation_id = $1 AND m.role = 'admin' AND u.disabled_at IS NULL
ORDER BY lower(u.email)

-- name: due_for_expiry
SELECT id FROM referral WHERE status = 'sent' AND expires_at <= $1
ORDER BY expires_at FOR UPDATE SKIP LOCKED

-- name: due_for_reminder
-- Open referrals with a reminder due: within one of the delays ($2, days before expiry) of
-- their expiry, and not yet reminded for it; a delay as long as the referral's whole wait
-- (7 days before the expiry of an urgent one, sent 3 days before it) is none of its
-- reminders. Only these are locked until the round commits: one already reminded stays free
-- for the organisation answering it meanwhile. A day is 24 hours, as in jobs.py, whatever
-- the session's time zone does to a calendar day.
SELECT id, created_at, expires_at, reminders_sent FROM referral
WHERE status = 'sent' AND expires_at > $1
  AND expires_at <= $1 + make_interval(hours => 24 * (SELECT max(d) FROM unnest($2::int[]) AS d))
  AND EXISTS (SELECT FROM unnest($2::int[]) AS d
              WHERE expires_at <= $1 + make_interval(hours => 24 * d) AND d <> ALL (reminders_sent)
                AND make_interval(hours => 24 * d) < expires_at - created_at)
ORDER BY expires_at FOR UPDATE SKIP LOCKED

-- name: mark_reminders
UPDATE referral SET reminders_sent = reminders_sent || $2::int[] WHERE id = $1

-- name: due_for_erasure
-- Final for longer than the retention time, or accepted that long ago and never closed.
SELECT id FROM referral
WHERE personal_data_erased_at IS NULL
  AND (final_at <= $1 OR (final_at IS NULL AND accepted_at <= $1))
ORDER BY id FOR UPDATE SKIP LOCKED

-- name: erase_person
DELETE FROM referral_person WHERE referral_id = $1

-- name: erase_notes
UPDATE referral_event SET note = NULL WHERE referral_id = $1 AND note IS NOT NULL

-- name: mark_erased
-- The fingerprint of the request was made from the person's data: it goes with it. The
-- idempotency key (a random value) stays, so a late repeat never copies the person again.
UPDATE referral SET personal_data_erased_at = $2, request_fingerprint = NULL WHERE id = $1

-- name: get_webhook
SELECT organisation_id, url, created_at, updated_at FROM referral_webhook
WHERE organisation_id = $1

-- name: upsert_webhook
INSERT INTO referral_webhook (organisation_id, url, secret) VALUES ($1, $2, $3)
ON CONFLICT (organisation_id) DO UPDATE
SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = now()
RETURNING organisation_id, url, secret, created_at, updated_at

-- name: delete_webhook
DELETE FROM referral_webhook WHERE organisation_id = $1

-- name: drop_pending_webhooks
-- The deliveries still waiting when the webhook is removed: nobody claims them any more, and a
-- webhook set later (another system, another secret) must not receive this old backlog.
DELETE FROM referral_webhook_delivery
WHERE organisation_id = $1 AND delivered_at IS NULL AND failed_at IS NULL

-- name: enqueue_webhooks
INSERT INTO referral_webhook_delivery (organisation_id, payload, next_attempt_at)
SELECT w.organisation_id, $2, $3 FROM referral_webhook w
WHERE w.organisation_id = ANY($1::uuid[])

-- name: claim_webhooks
-- The due deliveries, leased in the claiming statement: their next attempt moves to $3, past
-- the longest a round of calls takes, so that no other worker takes them while they are
-- sent, without a transaction held open across the calls; a worker that dies while sending
-- leaves them due again when the lease ends.
WITH due AS (
    SELECT d.id, w.url, w.secret
    FROM referral_webhook_delivery d
    JOIN referral_webhook w ON w.organisation_id = d.organisation_id
    WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1
    ORDER BY d.id
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE referral_webhook_delivery d SET next_attempt_at = $3
FROM due WHERE d.id = due.id
RETURNING d.id, d.organisation_id, d.payload, d.attempts, due.url, due.secret

-- name: webhook_delivered
UPDATE referral_webhook_delivery SET attempts = attempts + 1, delivered_at = $2,
                                     last_error = NULL
WHERE id = $1

-- name: webhook_failed
UPDATE referral_webhook_delivery
SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
    failed_at = CASE WHEN $4::boolean THEN $5::timestamptz END
WHERE id = $1


-- name: lock_redirect_chain
-- The referrals of a redirect chain (before and after this one), locked in the order of
-- their ids, so that two erasures of one chain never wait on each other crosswise; with
-- whether each still holds the person's data (a redirect copies the person to the new
-- referral).
WITH RECURSIVE chain(id) AS (
    SELECT $1::uuid
    UNION
    SELECT r.id FROM referral r JOIN chain c
        ON r.redirected_from_id = c.id OR r.redirected_to_id = c.id
)
SELECT r.id, r.created_at, r.personal_data_erased_at FROM referral r
WHERE r.id IN (SELECT id FROM chain)
ORDER BY r.id
FOR UPDATE OF r
