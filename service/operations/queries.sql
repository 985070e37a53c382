-- What the background work has left to do, in one statement.

-- name: queues
-- $1: now; $2: the moment before which personal data is due for erasure (now - retention).
SELECT
    (SELECT count(*) FROM search_outbox WHERE done_at IS NULL) AS search_waiting,
    (SELECT count(*) FROM search_outbox WHERE done_at IS NULL AND attempts > 0) AS search_retrying,
    (SELECT extract(epoch FROM $1::timestamptz - min(created_at)) FROM search_outbox WHERE done_at IS NULL)
        AS search_oldest_s,
    (SELECT last_error FROM search_outbox WHERE done_at IS NULL AND last_error IS NOT NULL
     ORDER BY id DESC LIMIT 1) AS search_error,
    (SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS mail_waiting,
    (SELECT count(*) FROM mail_outbox
     WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0) AS mail_retrying,
    (SELECT extract(epoch FROM $1::timestamptz - min(created_at)) FROM mail_outbox
     WHERE sent_at IS NULL AND failed_at IS NULL) AS mail_oldest_s,
    (SELECT count(*) FROM mail_outbox WHERE failed_at > $1::timestamptz - interval '1 day') AS mail_given_up,
    (SELECT last_error FROM mail_outbox WHERE last_error IS NOT NULL AND sent_at IS NULL
     ORDER BY coalesce(failed_at, next_attempt_at) DESC LIMIT 1) AS mail_error,
    (SELECT count(*) FROM referral_webhook_delivery
     WHERE delivered_at IS NULL AND failed_at IS NULL) AS webhooks_waiting,
    (SELECT count(*) FROM referral_webhook_delivery
     WHERE delivered_at IS NULL AND failed_at IS NULL AND attempts > 0) AS webhooks_retrying,
    (SELECT extract(epoch FROM $1::timestamptz - min(created_at)) FROM referral_webhook_delivery
     WHERE delivered_at IS NULL AND failed_at IS NULL) AS webhooks_oldest_s,
    (SELECT count(*) FROM referral_webhook_delivery
     WHERE failed_at > $1::timestamptz - interval '1 day') AS webhooks_given_up,
    (SELECT last_error FROM referral_webhook_delivery
     WHERE last_error IS NOT NULL AND delivered_at IS NULL
     ORDER BY coalesce(failed_at, next_attempt_at) DESC LIMIT 1) AS webhooks_error,
    (SELECT count(*) FROM referral
     WHERE status = 'sent' AND expires_at <= $1::timestamptz - interval '1 hour') AS referrals_past_expiry,
    (SELECT count(*) FROM referral
     WHERE personal_data_erased_at IS NULL
       AND (final_at <= $2::timestamptz - interval '1 hour'
            OR (final_at IS NULL AND accepted_at <= $2::timestamptz - interval '1 hour')))
        AS personal_data_past_retention
