-- The extent of each territory's documents (search/bitmaps.py): a walk nearest first from a
-- point, with a commune or section asked, skips what lies outside that territory's box. From
-- a point in one commune, a search in the other otherwise passed every document of the
-- first (tens of milliseconds at 100,000 services).
--
-- A box only grows: a document that moves away leaves it larger than needed, never smaller,
-- so a walk within it misses nothing. The triggers keep it in the writer's transaction,
-- whichever statement writes documents (a replace, a reindex).

CREATE TABLE search_extent (
    territory text PRIMARY KEY,
    box box NOT NULL
);

INSERT INTO search_extent (territory, box)
SELECT t, box(point(min(d.geo[0]), min(d.geo[1])), point(max(d.geo[0]), max(d.geo[1])))
FROM search_document d, unnest(d.territories) AS t
WHERE d.geo IS NOT NULL
GROUP BY t;

CREATE FUNCTION search_extent_grow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_extent AS e (territory, box)
    SELECT t, box(point(min(d.geo[0]), min(d.geo[1])), point(max(d.geo[0]), max(d.geo[1])))
    FROM written d, unnest(d.territories) AS t
    WHERE d.geo IS NOT NULL
    GROUP BY t
    ORDER BY t
    ON CONFLICT (territory) DO UPDATE SET box = bound_box(e.box, excluded.box)
    WHERE NOT excluded.box <@ e.box;
    RETURN NULL;
END;
$$;

CREATE TRIGGER search_extent_after_insert AFTER INSERT ON search_document
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION search_extent_grow();

CREATE TRIGGER search_extent_after_update AFTER UPDATE ON search_document
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION search_extent_grow();
