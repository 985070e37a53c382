-- Places written through the API or the workspace without a territory now get one from their
-- address (service/catalogue/places.py, query territory_of_address); those written before
-- get it here, and their services' search documents are rebuilt, so that the commune and
-- section filters find them.
WITH found AS (
    SELECT p.id,
           (WITH commune AS (
                SELECT t.id FROM territory t
                WHERE t.kind = 'commune'
                  AND (p.postal_code = ANY(t.postal_codes)
                       OR lower(unaccent(t.name)) = lower(unaccent(p.commune)))
                ORDER BY p.postal_code = ANY(t.postal_codes) DESC, t.id
                LIMIT 1
            ), sections AS (
                SELECT s.id FROM territory s JOIN commune c ON s.parent_id = c.id
                WHERE s.kind = 'section' AND p.postal_code = ANY(s.postal_codes)
            )
            SELECT CASE WHEN (SELECT count(*) FROM sections) = 1 THEN (SELECT id FROM sections)
                        ELSE (SELECT id FROM commune) END) AS territory_id
    FROM place p
    WHERE p.territory_id IS NULL
), placed AS (
    UPDATE place p SET territory_id = f.territory_id
    FROM found f
    WHERE p.id = f.id AND f.territory_id IS NOT NULL
    RETURNING p.id
)
SELECT enqueue_search(coalesce(array_agg(DISTINCT sp.service_id), '{}'))
FROM service_place sp JOIN placed ON placed.id = sp.place_id;
