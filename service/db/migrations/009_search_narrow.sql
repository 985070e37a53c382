-- Search: a narrow document table. A broad word matches tens of thousands of rows, and
-- each one the search reads costs its whole heap tuple: the full document (jsonb, ~1.5 KB)
-- moves to a payload table read only for the page, and the facet values of each document
-- become one array of small codes counted in a single pass.

-- The whole document, as the API shows it: read for the page's ids only.
CREATE TABLE search_payload (
    id uuid PRIMARY KEY REFERENCES search_document (id) ON DELETE CASCADE,
    document jsonb NOT NULL
);
INSERT INTO search_payload (id, document) SELECT id, document FROM search_document;

-- Every (facet, value) pair seen in a document, numbered; filled as documents are written.
CREATE TABLE search_facet_value (
    id serial PRIMARY KEY,
    facet text NOT NULL,
    value text NOT NULL,
    UNIQUE (facet, value)
);

-- The (facet, value) pairs of a document row: the facets of search.backend.FACETS.
CREATE FUNCTION search_facet_pairs(
    themes text[], type text, commune text, section text, languages text[], situations text[],
    wheelchair text
) RETURNS TABLE (facet text, value text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'themes', v FROM unnest(themes) AS v
    UNION SELECT 'type', type
    UNION SELECT 'commune', commune
    UNION SELECT 'section', section
    UNION SELECT 'languages', v FROM unnest(languages) AS v
    UNION SELECT 'situations', v FROM unnest(situations) AS v
    UNION SELECT 'wheelchair', wheelchair
$$;

INSERT INTO search_facet_value (facet, value)
SELECT DISTINCT p.facet, p.value
FROM search_document d,
     search_facet_pairs(d.themes, d.type, d.commune, d.section, d.languages, d.situations,
                        d.wheelchair) AS p
WHERE p.value IS NOT NULL
ORDER BY 1, 2;

-- The codes of those pairs, sorted; each pair must already be in search_facet_value.
CREATE FUNCTION search_facet_codes(
    themes text[], type text, commune text, section text, languages text[], situations text[],
    wheelchair text
) RETURNS int[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(f.id ORDER BY f.id), '{}')
    FROM search_facet_pairs(themes, type, commune, section, languages, situations,
                            wheelchair) AS p
    JOIN search_facet_value f ON f.facet = p.facet AND f.value = p.value
$$;

ALTER TABLE search_document ADD COLUMN facet_codes int[];
ALTER TABLE search_document DROP COLUMN document;
-- Computing the codes as a type change rewrites the table once: the dropped column's bytes
-- go (a DROP alone leaves them in every tuple), and, unlike an UPDATE, no second version of
-- each row is kept, so the rows really are narrow (few pages for a broad word).
ALTER TABLE search_document
    ALTER COLUMN facet_codes TYPE int[]
        USING search_facet_codes(themes, type, commune, section, languages, situations,
                                 wheelchair),
    ALTER COLUMN facet_codes SET NOT NULL;
ANALYZE search_document;
ANALYZE search_payload;
