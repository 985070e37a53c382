-- Problems people report about a service's information (service/catalogue/reports.py): which
-- kind, the words they typed, when; the organisation's editors mark them handled. The text is
-- free (someone may write a name despite the form's warning), so reports are deleted 30 days
-- after they were handled and 180 days after they were made at the latest.
CREATE TABLE service_report (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('closed', 'hours', 'place', 'contact', 'conditions', 'other')),
    details text NOT NULL DEFAULT '' CHECK (length(details) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    handled_at timestamptz,
    handled_by uuid REFERENCES app_user (id) ON DELETE SET NULL
);
CREATE INDEX service_report_open_idx ON service_report (service_id, created_at)
    WHERE handled_at IS NULL;
CREATE INDEX service_report_created_idx ON service_report (created_at);

-- Reports are throttled per address like logins (service/accounts/throttle.py).
ALTER TABLE login_attempt DROP CONSTRAINT login_attempt_kind_check;
ALTER TABLE login_attempt ADD CONSTRAINT login_attempt_kind_check
    CHECK (kind IN ('account', 'address', 'link_account', 'link_address', 'report_address'));
