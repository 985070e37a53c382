-- The language an organisation reads its mails in (referral notifications). German mails
-- use the French templates until German ones exist.
ALTER TABLE organisation
    ADD COLUMN language text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'nl', 'de', 'en'));
