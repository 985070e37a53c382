-- A price note says what a service costs: such a service is not free. The HSDS import set
-- `free` when a file listed no costs even beside a price note, and the API and the workspace
-- accepted both, so the "Free" badge and filter showed services that cost something. They
-- now refuse both together (422 naming `price`); the services stored with both are
-- corrected here, and the constraint keeps it so:
-- - a note that only says "free" ('Gratuit.', 'gratis'; the words of
--   service/interop/hsds_import.py, says_only_free) says nothing the flag does not: the note
--   goes, the service stays free (so does a note of spaces only);
-- - any other note ('Produits vendus à prix réduit.', 'Gratuit pour les membres, 25 € pour
--   les autres') says what is paid: the service is no longer free, the note stays.
-- Corrected services get a new version (an editor who read them is told they changed, HSDS
-- readers see them as modified) and their search documents are queued.
WITH corrected AS (
    UPDATE service
    SET free = only_free,
        price = CASE WHEN only_free THEN '' ELSE price END,
        version = version + 1,
        updated_at = now()
    FROM (
        SELECT id AS said_id,
               btrim(regexp_replace(lower(unaccent(price)), '[^a-z0-9]+', ' ', 'g'))
                   IN ('', 'gratuit', 'gratuite', 'gratuits', 'gratuites', 'gratis', 'free',
                       'free of charge', 'kosteloos', 'sans frais') AS only_free
        FROM service
        WHERE free AND price <> ''
    ) AS said
    WHERE service.id = said.said_id
    RETURNING service.id
)
SELECT enqueue_search(coalesce(array_agg(id), '{}')) FROM corrected;

ALTER TABLE service ADD CONSTRAINT service_free_without_price CHECK (NOT free OR price = '');
