-- Search: the PostgreSQL engine's document table, its text configuration, the typo lexicon,
-- the per-engine progress of the outbox, and the dates at which documents must be rebuilt.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- French stemming on accent-free words: "épicerie", "epiceries" and "Épicerie" meet.
CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
ALTER TEXT SEARCH CONFIGURATION french_unaccent
    ALTER MAPPING FOR hword, hword_part, word, asciihword, asciiword, hword_asciipart
    WITH unaccent, french_stem;

-- unaccent() is only STABLE; indexes need an IMMUTABLE wrapper naming its dictionary.
CREATE FUNCTION search_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1))
$$;

-- One row per search document (a service at a place), fed by the outbox consumer.
CREATE TABLE search_document (
    id uuid PRIMARY KEY,
    service_id uuid NOT NULL,
    document jsonb NOT NULL,
    tsv tsvector NOT NULL,
    name text NOT NULL,
    themes text[] NOT NULL,
    type text NOT NULL,
    territories text[] NOT NULL,
    commune text,
    section text,
    age_min int NOT NULL,
    age_max int NOT NULL,
    genders text[] NOT NULL,
    situations text[] NOT NULL,
    open_to_all boolean NOT NULL,
    free boolean NOT NULL,
    walk_in boolean NOT NULL,
    unconditional boolean NOT NULL,
    languages text[] NOT NULL,
    wheelchair text NOT NULL,
    status text NOT NULL,
    has_hours boolean NOT NULL,
    open_slots smallint[] NOT NULL,
    slots_from bigint NOT NULL,
    slots_until bigint NOT NULL,
    latitude double precision,
    longitude double precision,
    -- Equirectangular projection around Belgium (x scaled by cos 50.5°): boxes and KNN in km.
    geo point,
    indexed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_document_tsv_idx ON search_document USING gin (tsv);
CREATE INDEX search_document_service_idx ON search_document (service_id);
CREATE INDEX search_document_themes_idx ON search_document USING gin (themes);
CREATE INDEX search_document_territories_idx ON search_document USING gin (territories);
CREATE INDEX search_document_slots_idx ON search_document USING gin (open_slots);
CREATE INDEX search_document_geo_idx ON search_document USING gist (geo);
CREATE INDEX search_document_type_idx ON search_document (type);
CREATE INDEX search_document_name_idx ON search_document (name COLLATE "C");

-- The words of the indexed documents, for typo correction by trigram similarity.
CREATE TABLE search_lexicon (word text PRIMARY KEY);
CREATE INDEX search_lexicon_trgm_idx ON search_lexicon USING gin (word gin_trgm_ops);

-- Which engines already took each outbox row: a row is done when all of them did, so an
-- engine that is down does not hold the others back, and loses nothing.
ALTER TABLE search_outbox ADD COLUMN engines_done text[] NOT NULL DEFAULT '{}';

-- When documents must be rebuilt because their hours depend on a date that comes.
CREATE TABLE search_refresh (
    service_id uuid PRIMARY KEY,
    due_at timestamptz NOT NULL
);
CREATE INDEX search_refresh_due_idx ON search_refresh (due_at);

-- The text query of a search: groups of alternatives (JSON), all groups required
-- (or any, with match_any). Each alternative is a to_tsquery expression; `fuzzy` words
-- missing from the lexicon also match their closest known words (typos).
CREATE FUNCTION search_tsquery(groups jsonb, match_any boolean DEFAULT false) RETURNS tsquery
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    result tsquery;
    grp jsonb;
    alt text;
    typed text;
    near text;
    group_query tsquery;
    part tsquery;
BEGIN
    FOR grp IN SELECT value FROM jsonb_array_elements(groups) LOOP
        group_query := NULL;
        FOR alt IN SELECT value FROM jsonb_array_elements_text(grp -> 'alternatives') LOOP
            part := to_tsquery('french_unaccent', alt);
            IF numnode(part) > 0 THEN
                group_query := CASE WHEN group_query IS NULL THEN part ELSE group_query || part END;
            END IF;
        END LOOP;
        FOR typed IN SELECT value FROM jsonb_array_elements_text(grp -> 'fuzzy') LOOP
            CONTINUE WHEN EXISTS (SELECT 1 FROM search_lexicon WHERE search_lexicon.word = typed);
            FOR near IN
                SELECT l.word FROM search_lexicon l
                WHERE l.word % typed AND similarity(l.word, typed) >= 0.4
                ORDER BY similarity(l.word, typed) DESC, l.word LIMIT 3
            LOOP
                part := to_tsquery('french_unaccent', near);
                IF numnode(part) > 0 THEN
                    group_query := CASE WHEN group_query IS NULL THEN part
                                        ELSE group_query || part END;
                END IF;
            END LOOP;
        END LOOP;
        CONTINUE WHEN group_query IS NULL;
        IF result IS NULL THEN
            result := group_query;
        ELSIF match_any THEN
            result := result || group_query;
        ELSE
            result := result && group_query;
        END IF;
    END LOOP;
    RETURN result;
END;
$$;
