-- A referral sent twice (a form posted again, the browser's back button, an API call retried
-- after a timeout) must make one referral, not two copies of the person. The sender gives
-- each sending a key (the workspace form a random one of its own, the API the
-- `Idempotency-Key` header); a repeat with a key the same user already used gets the
-- referral made the first time. The unique index, not a read before the write, keeps two
-- repeats arriving together from both inserting.
--
-- The key is a random value chosen by the sender, not personal data: it is kept with the
-- referral, so a repeat long after still finds it and never copies the person again (even
-- once their data was erased). The fingerprint of the request, a SHA-256 of what was sent
-- (the person included), tells a repeat from another request with the same key; it is
-- derived from the person's data, so it is erased with them.
ALTER TABLE referral ADD COLUMN idempotency_key text;
ALTER TABLE referral ADD COLUMN request_fingerprint text;
CREATE UNIQUE INDEX referral_idempotency_key_idx ON referral (created_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
