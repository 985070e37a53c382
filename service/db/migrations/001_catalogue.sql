-- The catalogue: organisations, places, services held at places with their hours,
-- the theme taxonomy and territories; accounts and tokens; the change log; the search outbox.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE theme (
    id text PRIMARY KEY,
    parent_id text REFERENCES theme(id),
    position int NOT NULL,
    label_fr text NOT NULL,
    label_nl text NOT NULL,
    label_en text NOT NULL
);

CREATE TABLE territory (
    id text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('commune', 'section', 'quartier')),
    name text NOT NULL,
    parent_id text REFERENCES territory(id),
    postal_codes text[] NOT NULL DEFAULT '{}',
    latitude double precision,
    longitude double precision
);

CREATE TABLE network (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
    name text NOT NULL,
    description text NOT NULL DEFAULT ''
);

CREATE TABLE organisation (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    alternate_name text,
    kind text NOT NULL CHECK (kind IN ('cpas', 'commune', 'association', 'health',
                                       'public_body', 'school', 'cooperative', 'other')),
    description text NOT NULL DEFAULT '',
    enterprise_number text UNIQUE CHECK (enterprise_number ~ '^[01][0-9]{9}$'),
    website text,
    email text,
    phones jsonb NOT NULL DEFAULT '[]',
    parent_id uuid REFERENCES organisation(id) ON DELETE SET NULL,
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX organisation_parent_idx ON organisation (parent_id);
CREATE INDEX organisation_name_idx ON organisation (lower(name));

CREATE TABLE organisation_network (
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    network_id text NOT NULL REFERENCES network(id),
    PRIMARY KEY (organisation_id, network_id)
);

CREATE TABLE place (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid REFERENCES organisation(id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    street text NOT NULL,
    postal_code text NOT NULL CHECK (postal_code ~ '^[1-9][0-9]{3}$'),
    commune text NOT NULL,
    territory_id text REFERENCES territory(id),
    latitude double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision CHECK (longitude BETWEEN -180 AND 180),
    wheelchair text NOT NULL DEFAULT 'unknown'
        CHECK (wheelchair IN ('yes', 'limited', 'no', 'unknown')),
    accessibility_notes text NOT NULL DEFAULT '',
    transport_notes text NOT NULL DEFAULT '',
    phones jsonb NOT NULL DEFAULT '[]',
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX place_organisation_idx ON place (organisation_id);
CREATE INDEX place_territory_idx ON place (territory_id);

CREATE TABLE service (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    name text NOT NULL,
    alternate_name text,
    description text NOT NULL DEFAULT '',
    type text NOT NULL CHECK (type IN ('information', 'accompaniment', 'financial_aid',
                                       'material_aid', 'workshop', 'accommodation', 'care',
                                       'legal_aid', 'orientation')),
    age_min int CHECK (age_min BETWEEN 0 AND 130),
    age_max int CHECK (age_max BETWEEN 0 AND 130),
    genders text[] NOT NULL DEFAULT '{}',
    situations text[] NOT NULL DEFAULT '{}',
    eligibility_notes text NOT NULL DEFAULT '',
    free boolean NOT NULL DEFAULT true,
    price text NOT NULL DEFAULT '',
    appointment_required boolean NOT NULL DEFAULT false,
    walk_in boolean NOT NULL DEFAULT false,
    unconditional boolean NOT NULL DEFAULT false,
    referral_only boolean NOT NULL DEFAULT false,
    documents text[] NOT NULL DEFAULT '{}',
    languages text[] NOT NULL DEFAULT '{}',
    how_to_access text NOT NULL DEFAULT '',
    email text,
    website text,
    phones jsonb NOT NULL DEFAULT '[]',
    capacity_status text NOT NULL DEFAULT 'available'
        CHECK (capacity_status IN ('available', 'limited', 'full')),
    capacity_updated_at timestamptz,
    status text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'temporarily_closed', 'inactive')),
    last_verified_on date,
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (age_min IS NULL OR age_max IS NULL OR age_min <= age_max)
);
CREATE INDEX service_organisation_idx ON service (organisation_id);

CREATE TABLE service_theme (
    service_id uuid NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    theme_id text NOT NULL REFERENCES theme(id),
    PRIMARY KEY (service_id, theme_id)
);
CREATE INDEX service_theme_theme_idx ON service_theme (theme_id);

-- A service held at a place, with the hours it is held there (OpenStreetMap syntax,
-- local Europe/Brussels time; NULL when unknown).
CREATE TABLE service_place (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    place_id uuid NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    opening_hours text,
    hours_note text NOT NULL DEFAULT '',
    position int NOT NULL DEFAULT 0,
    UNIQUE (service_id, place_id)
);
CREATE INDEX service_place_place_idx ON service_place (place_id);

-- Dated exceptions to the regular hours: a closure (opening_hours NULL) or replacement hours.
CREATE TABLE hours_exception (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_place_id uuid NOT NULL REFERENCES service_place(id) ON DELETE CASCADE,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    opening_hours text,
    message text NOT NULL DEFAULT '',
    CHECK (ends_on >= starts_on)
);
CREATE INDEX hours_exception_service_place_idx ON hours_exception (service_place_id, starts_on);

CREATE TABLE app_user (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    password_hash text,
    is_coordinator boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
CREATE UNIQUE INDEX app_user_email_idx ON app_user (lower(email));

CREATE TABLE membership (
    user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('admin', 'editor', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX membership_organisation_idx ON membership (organisation_id);

-- Only a hash of each token is kept: a database dump does not leak usable tokens.
CREATE TABLE api_token (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- Every change to a public record: who, when, before and after.
CREATE TABLE change_log (
    id bigserial PRIMARY KEY,
    entity text NOT NULL CHECK (entity IN ('organisation', 'place', 'service')),
    entity_id uuid NOT NULL,
    action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    actor_id uuid REFERENCES app_user(id) ON DELETE SET NULL,
    actor_label text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT now(),
    before jsonb,
    after jsonb
);
CREATE INDEX change_log_entity_idx ON change_log (entity, entity_id, id);

-- Services whose search documents must be rebuilt. Written in the same transaction as
-- the catalogue change, so the index never misses one.
CREATE TABLE search_outbox (
    id bigserial PRIMARY KEY,
    service_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    done_at timestamptz
);
CREATE INDEX search_outbox_pending_idx ON search_outbox (next_attempt_at) WHERE done_at IS NULL;

CREATE FUNCTION enqueue_search(service_ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO search_outbox (service_id) SELECT DISTINCT unnest(service_ids);
    SELECT pg_notify('search_outbox', '');
$$;
