-- A Belgian number written with its trunk 0 after the country code ('+32 0470 12 34 56')
-- used to be stored as '+320470123456', a number nobody can dial. Input now refuses it or
-- drops the 0 ('+32 (0)470 …'); the numbers stored before are corrected here: the 0 after
-- +32 goes when what follows is a Belgian number (a mobile's 9 digits from 4, or 8 digits
-- from neither 0 nor 4: service/catalogue/validation.py, phone_e164). Anything else is left
-- as it is. A list that then holds a number twice keeps its first entry (with its kind and
-- label), as the forms keep one entry per number.
--
-- Organisations, places and services (their `phones`) get a new version, so that an editor
-- who read the old number is told it changed, and their services' search documents (which
-- carry the number to call: the service's, else its place's, else its organisation's) are
-- queued. The phone of a referred person is corrected too. The change history keeps the
-- numbers as they were written then.

CREATE FUNCTION pg_temp.trunk_zero_dropped(number text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN number ~ '^\+320(4[0-9]{8}|[1-35-9][0-9]{7})$'
                THEN '+32' || substr(number, 5)
                ELSE number END
$$;

CREATE FUNCTION pg_temp.phones_corrected(phones jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(phone ORDER BY position), '[]'::jsonb)
    FROM (
        SELECT DISTINCT ON (coalesce(phone ->> 'number', position::text)) phone, position
        FROM (
            SELECT CASE WHEN jsonb_typeof(entry -> 'number') = 'string'
                        THEN jsonb_set(entry, '{number}',
                                       to_jsonb(pg_temp.trunk_zero_dropped(entry ->> 'number')))
                        ELSE entry END AS phone,
                   position
            FROM jsonb_array_elements(phones) WITH ORDINALITY AS listed(entry, position)
        ) AS corrected
        ORDER BY coalesce(phone ->> 'number', position::text), position
    ) AS kept
$$;

CREATE FUNCTION pg_temp.has_trunk_zero(phones jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM jsonb_array_elements(phones) AS listed(entry)
        WHERE jsonb_typeof(entry -> 'number') = 'string'
          AND pg_temp.trunk_zero_dropped(entry ->> 'number') <> entry ->> 'number')
$$;

CREATE TEMPORARY TABLE phones_corrected_organisation ON COMMIT DROP AS
WITH corrected AS (
    UPDATE organisation
    SET phones = pg_temp.phones_corrected(phones), version = version + 1, updated_at = now()
    WHERE jsonb_typeof(phones) = 'array' AND pg_temp.has_trunk_zero(phones)
    RETURNING id
)
SELECT id FROM corrected;

CREATE TEMPORARY TABLE phones_corrected_place ON COMMIT DROP AS
WITH corrected AS (
    UPDATE place
    SET phones = pg_temp.phones_corrected(phones), version = version + 1, updated_at = now()
    WHERE jsonb_typeof(phones) = 'array' AND pg_temp.has_trunk_zero(phones)
    RETURNING id
)
SELECT id FROM corrected;

CREATE TEMPORARY TABLE phones_corrected_service ON COMMIT DROP AS
WITH corrected AS (
    UPDATE service
    SET phones = pg_temp.phones_corrected(phones), version = version + 1, updated_at = now()
    WHERE jsonb_typeof(phones) = 'array' AND pg_temp.has_trunk_zero(phones)
    RETURNING id
)
SELECT id FROM corrected;

UPDATE referral_person SET phone = pg_temp.trunk_zero_dropped(phone)
WHERE phone IS NOT NULL AND pg_temp.trunk_zero_dropped(phone) <> phone;

SELECT enqueue_search(coalesce(array_agg(DISTINCT s.id), '{}'))
FROM service s
WHERE s.id IN (SELECT id FROM phones_corrected_service)
   OR s.organisation_id IN (SELECT id FROM phones_corrected_organisation)
   OR EXISTS (SELECT 1 FROM service_place sp
              WHERE sp.service_id = s.id
                AND sp.place_id IN (SELECT id FROM phones_corrected_place));

DROP FUNCTION pg_temp.has_trunk_zero(jsonb);
DROP FUNCTION pg_temp.phones_corrected(jsonb);
DROP FUNCTION pg_temp.trunk_zero_dropped(text);
