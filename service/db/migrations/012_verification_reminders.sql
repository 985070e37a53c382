-- Reminders a coordinator sends to an organisation whose services need checking
-- (service/catalogue/freshness.py): when, by whom, how many services they listed. One a week
-- at most per organisation, so that editors are not flooded.
CREATE TABLE verification_reminder (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    sent_by uuid REFERENCES app_user (id) ON DELETE SET NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    services integer NOT NULL CHECK (services > 0),
    recipients integer NOT NULL CHECK (recipients > 0)
);
CREATE INDEX verification_reminder_organisation_idx
    ON verification_reminder (organisation_id, sent_at DESC);
