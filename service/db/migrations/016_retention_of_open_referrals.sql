-- An accepted referral that nobody closed keeps no personal data forever: the retention time
-- also runs from the acceptance (service/referrals/jobs.py). This index finds those due.
CREATE INDEX referral_accepted_retention_idx ON referral (accepted_at)
    WHERE final_at IS NULL AND accepted_at IS NOT NULL AND personal_data_erased_at IS NULL;
