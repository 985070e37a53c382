-- Consent is about the person's data: an anonymous referral holds none, so it records no
-- consent (service/referrals/referrals.py). Referrals sent anonymously through the API with
-- "consent": true recorded one before, and a redirect copied it to the referral it made:
-- that consent was never asked for data that was never given, and is cleared here. The
-- constraint keeps it so; the referrals that name a person keep theirs.
UPDATE referral SET consent_version = NULL, consent_at = NULL
WHERE anonymous AND (consent_version IS NOT NULL OR consent_at IS NOT NULL);

ALTER TABLE referral ADD CONSTRAINT referral_anonymous_without_consent
    CHECK (NOT anonymous OR (consent_version IS NULL AND consent_at IS NULL));
