-- Guided referrals between organisations.
--
-- `referral` holds only anonymous facts (service, organisations, themes, dates, statuses,
-- codes), kept for statistics. Everything about the person, and every free text written
-- about them, lives in `referral_person` and in event notes: erasing personal data deletes
-- that row and blanks the notes, nothing else.

CREATE TABLE referral (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- What the person brings to the receiving organisation, e.g. "KX7-M4P".
    reference text NOT NULL UNIQUE,
    from_organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    to_organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    -- The service may be deleted later; its name and themes are kept for the timeline and
    -- the statistics.
    service_id uuid REFERENCES service(id) ON DELETE SET NULL,
    place_id uuid REFERENCES place(id) ON DELETE SET NULL,
    service_name text NOT NULL,
    themes text[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'sent'
        CHECK (status IN ('sent', 'accepted', 'declined', 'redirected', 'closed',
                          'cancelled', 'expired')),
    urgency text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent')),
    anonymous boolean NOT NULL,
    consent_version text,
    consent_at timestamptz,
    decline_reason text
        CHECK (decline_reason IN ('no_capacity', 'not_eligible', 'unreachable', 'duplicate',
                                  'other')),
    outcome text CHECK (outcome IN ('served', 'no_show', 'withdrawn', 'other')),
    redirected_from_id uuid REFERENCES referral(id) ON DELETE SET NULL,
    redirected_to_id uuid REFERENCES referral(id) ON DELETE SET NULL,
    created_by uuid REFERENCES app_user(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- First answer of the receiving side (accept, decline or redirect).
    answered_at timestamptz,
    accepted_at timestamptz,
    final_at timestamptz,
    -- Days-before-expiry of the reminders already sent, so each goes out once.
    reminders_sent int[] NOT NULL DEFAULT '{}',
    personal_data_erased_at timestamptz,
    version int NOT NULL DEFAULT 1,
    CHECK (anonymous OR (consent_version IS NOT NULL AND consent_at IS NOT NULL))
);
CREATE INDEX referral_from_idx ON referral (from_organisation_id, created_at DESC);
CREATE INDEX referral_to_idx ON referral (to_organisation_id, created_at DESC);
CREATE INDEX referral_open_idx ON referral (expires_at) WHERE status = 'sent';
CREATE INDEX referral_retention_idx ON referral (final_at)
    WHERE final_at IS NOT NULL AND personal_data_erased_at IS NULL;

-- The person and what was written about them; one row per referral, deleted on erasure.
CREATE TABLE referral_person (
    referral_id uuid PRIMARY KEY REFERENCES referral(id) ON DELETE CASCADE,
    reason text NOT NULL,
    first_name text,
    last_name text,
    phone text,
    email text,
    contact_preference text
        CHECK (contact_preference IN ('phone', 'email', 'through_referrer', 'do_not_contact')),
    languages text[] NOT NULL DEFAULT '{}',
    availability text NOT NULL DEFAULT '',
    eligibility_checked text[] NOT NULL DEFAULT '{}'
);

-- The timeline: every transition, who made it and when. `note` is free text about the
-- person and is blanked on erasure.
CREATE TABLE referral_event (
    id bigserial PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referral(id) ON DELETE CASCADE,
    action text NOT NULL
        CHECK (action IN ('send', 'accept', 'decline', 'redirect', 'close', 'cancel',
                          'expire', 'erase')),
    status text NOT NULL,
    actor_id uuid REFERENCES app_user(id) ON DELETE SET NULL,
    actor_organisation_id uuid REFERENCES organisation(id) ON DELETE SET NULL,
    at timestamptz NOT NULL DEFAULT now(),
    code text,
    note text
);
CREATE INDEX referral_event_referral_idx ON referral_event (referral_id, id);

-- Who read a referral's personal data, when: read by the organisations' admins.
CREATE TABLE referral_access (
    id bigserial PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referral(id) ON DELETE CASCADE,
    user_id uuid REFERENCES app_user(id) ON DELETE SET NULL,
    user_email text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    purpose text NOT NULL DEFAULT 'read' CHECK (purpose IN ('read'))
);
CREATE INDEX referral_access_referral_idx ON referral_access (referral_id, at);

-- An organisation's own system told of every status change, signed with its secret.
CREATE TABLE referral_webhook (
    organisation_id uuid PRIMARY KEY REFERENCES organisation(id) ON DELETE CASCADE,
    url text NOT NULL CHECK (url ~ '^https?://'),
    secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Deliveries, written in the transaction of the status change, sent by the worker.
CREATE TABLE referral_webhook_delivery (
    id bigserial PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    delivered_at timestamptz,
    failed_at timestamptz
);
CREATE INDEX referral_webhook_delivery_pending_idx ON referral_webhook_delivery (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
