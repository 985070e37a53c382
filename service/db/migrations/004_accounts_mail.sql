-- Accounts for people (sessions, one-time login links, invitations, login throttling)
-- and the mail outbox. Secrets (session ids, link and invitation tokens) are kept only as
-- SHA-256 hashes: a database dump gives nobody a way in.

CREATE TABLE user_session (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    session_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- Sliding idle expiry, never beyond the absolute limit.
    expires_at timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    CHECK (expires_at <= absolute_expires_at)
);
CREATE INDEX user_session_user_idx ON user_session (user_id);
CREATE INDEX user_session_expiry_idx ON user_session (absolute_expires_at);

-- One-time login links sent by e-mail: single use, short-lived.
CREATE TABLE login_link (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX login_link_user_idx ON login_link (user_id);

CREATE TABLE invitation (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'editor', 'member')),
    language text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'nl', 'en')),
    invited_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    revoked_at timestamptz
);
CREATE INDEX invitation_organisation_idx ON invitation (organisation_id, created_at);

-- Failed logins (and login-link requests), counted per account and per client address
-- over a sliding window. `subject` is a hash of the lower-cased e-mail or of the address,
-- so the table holds no personal data in clear.
CREATE TABLE login_attempt (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('account', 'address', 'link_account', 'link_address')),
    subject bytea NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempt_subject_idx ON login_attempt (kind, subject, at);

-- Mails rendered at queue time, in the transaction of the change they announce, and sent
-- by the worker with retries: a mail server outage delays mail but loses none.
CREATE TABLE mail_outbox (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient text NOT NULL,
    template text NOT NULL,
    language text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    body_html text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The kind of failure only (exception class, SMTP code): never addresses or content.
    last_error text,
    sent_at timestamptz,
    failed_at timestamptz
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at);
