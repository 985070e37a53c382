-- Referrals are the network's memory (statistics, unmet needs): deleting an organisation
-- must not silently delete them. It is refused while referrals name it.
ALTER TABLE referral
    DROP CONSTRAINT referral_from_organisation_id_fkey,
    ADD CONSTRAINT referral_from_organisation_id_fkey
        FOREIGN KEY (from_organisation_id) REFERENCES organisation(id) ON DELETE RESTRICT,
    DROP CONSTRAINT referral_to_organisation_id_fkey,
    ADD CONSTRAINT referral_to_organisation_id_fkey
        FOREIGN KEY (to_organisation_id) REFERENCES organisation(id) ON DELETE RESTRICT;
