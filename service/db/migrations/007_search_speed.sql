-- Search speed: a generation counter for exact answer caches, and cheaper statements.

-- Changes whenever any engine's documents change (PostgreSQL writes bump it in their own
-- transaction; the outbox consumer bumps it after Meilisearch confirmed). Every app process
-- keys its cached answers on it and LISTENs to `search_generation` to learn the new value.
CREATE TABLE search_generation (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    value bigint NOT NULL
);
INSERT INTO search_generation (singleton, value) VALUES (true, 1);

CREATE FUNCTION bump_search_generation() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    bumped bigint;
BEGIN
    UPDATE search_generation SET value = value + 1 RETURNING value INTO bumped;
    -- Delivered at commit, so a listener never sees a generation whose writes it cannot read.
    PERFORM pg_notify('search_generation', bumped::text);
    RETURN bumped;
END;
$$;

-- The hours of each document as columns of their own: "open at" candidates are checked from
-- these, without reading (and detoasting) the whole document of each one.
ALTER TABLE search_document
    ADD COLUMN opening_hours text,
    ADD COLUMN exceptions jsonb NOT NULL DEFAULT '[]';
UPDATE search_document
SET opening_hours = document ->> 'opening_hours',
    exceptions = coalesce(document -> 'exceptions', '[]');
