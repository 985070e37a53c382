-- Search bitmaps: what a broad search over a large catalogue reads (search/postgres.py).
--
-- A word found in 25,000 of 115,000 documents made every search read, rank and count each of
-- them: tens of milliseconds whatever the index. Here each document has a number (`ord`), and
-- each word of the index with its weight, each facet value and each filter value has a bitmap
-- of the documents that have it, cut in blocks of 8,192 documents. Counting, facets and the
-- tiers of the answer become bitwise operations on a few blocks; only the page's documents,
-- and the members of a small tier (ranked exactly), are read.
--
-- Keys (never confused: lexemes hold no space and never start with '#' or '='):
--   '<lexeme> <weight>'    a word and where it is ('aid A': "aide" in the name)
--   '#<facet>=<value>'     a facet value, counted for the answer ('#themes=food')
--   '=<filter>=<value>'    another filter value ('=free=true', '=ages=18-130'), '=all' for all

CREATE SEQUENCE search_ord_seq AS int MINVALUE 0 START 0;
ALTER TABLE search_document ADD COLUMN ord int;
UPDATE search_document s SET ord = n.ord
FROM (SELECT id, (row_number() OVER (ORDER BY name, id) - 1)::int AS ord
      FROM search_document) AS n
WHERE n.id = s.id;
SELECT setval('search_ord_seq', (SELECT count(*) FROM search_document), false);
ALTER TABLE search_document ALTER COLUMN ord SET NOT NULL;
ALTER TABLE search_document ADD CONSTRAINT search_document_ord_key UNIQUE (ord);

-- Documents whose slot window does not hold a moment asked (normally none: they are rebuilt
-- before it ends) pass the coarse opening filter whatever their slots.
CREATE INDEX search_document_slots_from_idx ON search_document (slots_from);
CREATE INDEX search_document_slots_until_idx ON search_document (slots_until);

-- The geometric index also holds what a walk nearest first tests: the document's number
-- (in the bitmaps) and its coordinates (the radius), so that the walk reads no row.
DROP INDEX search_document_geo_idx;
CREATE INDEX search_document_geo_idx ON search_document USING gist (geo)
    INCLUDE (ord, latitude, longitude);

-- Numbers of deleted documents, given again first so that the bitmaps stay dense.
CREATE TABLE search_free_ord (ord int PRIMARY KEY);

-- A block holds documents block * 8192 to block * 8192 + 8191; a block of zeros may stay
-- until the next reindex. Small rows are compressed (a rare word's block is mostly zeros).
CREATE TABLE search_bits (
    key text COLLATE "C" NOT NULL,
    block int NOT NULL,
    bits bit(8192) NOT NULL,
    PRIMARY KEY (key, block)
) WITH (toast_tuple_target = 128);

-- The words of a document with their weights.
CREATE FUNCTION search_word_keys(tsv tsvector) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT u.lexeme || ' ' || w FROM unnest(tsv) AS u, unnest(u.weights) AS w
$$;

-- The facet and filter values of a document: what `where_clauses` tests, as keys.
CREATE FUNCTION search_filter_keys(d search_document) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '=all'
    UNION SELECT '#themes=' || v FROM unnest(d.themes) AS v
    UNION SELECT '#type=' || d.type
    UNION SELECT '#commune=' || d.commune WHERE d.commune IS NOT NULL
    UNION SELECT '#section=' || d.section WHERE d.section IS NOT NULL
    UNION SELECT '#languages=' || v FROM unnest(d.languages) AS v
    UNION SELECT '#situations=' || v FROM unnest(d.situations) AS v
    UNION SELECT '#wheelchair=' || d.wheelchair
    UNION SELECT '=territories=' || v FROM unnest(d.territories) AS v
    UNION SELECT '=genders=' || v FROM unnest(d.genders) AS v
    UNION SELECT '=open_to_all' WHERE d.open_to_all
    UNION SELECT '=free=' || d.free
    UNION SELECT '=walk_in=' || d.walk_in
    UNION SELECT '=unconditional=' || d.unconditional
    UNION SELECT '=ages=' || d.age_min || '-' || d.age_max
    -- Open at some moment, coarsely (`open_at`): active with hours, and the hours of the week
    -- open during the document's slot window.
    UNION SELECT '=hours' WHERE d.status = 'active' AND d.has_hours
    UNION SELECT '=slot=' || s FROM unnest(d.open_slots) AS s
          WHERE d.status = 'active' AND d.has_hours
$$;

CREATE FUNCTION search_bit_keys(d search_document) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT search_word_keys(d.tsv) UNION SELECT search_filter_keys(d)
$$;

-- A block with the bits of these positions (0-8191) set.
CREATE FUNCTION search_bits_mask(positions int[]) RETURNS bit(8192)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT rpad(coalesce(string_agg(repeat('0', p - coalesce(previous, -1) - 1) || '1', ''
                                    ORDER BY p), ''), 8192, '0')::bit(8192)
    FROM (SELECT p, lag(p) OVER (ORDER BY p) AS previous
          FROM (SELECT DISTINCT unnest(positions) AS p) AS distinct_positions) AS ordered
$$;

-- The positions of the set bits of a block, in order, after skipping `skip` of them: whole
-- chunks of 256 bits are skipped by their count.
CREATE FUNCTION search_bits_positions(bits bit varying, skip int, take int) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    found int[] := '{}';
    base int := 0;
    chunk bit varying;
    n int;
    at int;
BEGIN
    WHILE take > 0 AND base < length(bits) LOOP
        chunk := substring(bits FROM base + 1 FOR 256);
        n := bit_count(chunk);
        IF n <= skip THEN
            skip := skip - n;
        ELSE
            LOOP
                at := position(B'1' IN chunk);
                EXIT WHEN at = 0 OR take = 0;
                IF skip > 0 THEN
                    skip := skip - 1;
                ELSE
                    found := found || (base + at - 1);
                    take := take - 1;
                END IF;
                chunk := set_bit(chunk, at - 1, 0);
            END LOOP;
        END IF;
        base := base + 256;
    END LOOP;
    RETURN found;
END;
$$;

-- The words of a text query, group by group (every group required, or any), each group's
-- alternatives (any of them), each alternative's terms (all of them: the words of a phrase),
-- each term a lexeme or, with `prefix`, every lexeme that starts with it: the structure of
-- `search_tsquery`, typo corrections included.
CREATE FUNCTION search_terms(groups jsonb)
RETURNS TABLE (grp int, alt int, term int, lexeme text, prefix boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT g.n::int, a.n::int, t.n::int, replace(t.m[1], '''''', ''''), t.m[2] IS NOT NULL
    FROM jsonb_array_elements(groups) WITH ORDINALITY AS g(value, n)
    CROSS JOIN LATERAL regexp_split_to_table(
        search_tsquery(jsonb_build_array(g.value))::text, ' \| ') WITH ORDINALITY AS a(text, n)
    CROSS JOIN LATERAL regexp_matches(a.text, '''((?:[^'']|'''')*)''(:\*)?', 'g')
        WITH ORDINALITY AS t(m, n)
$$;

-- Every document as it is now.
INSERT INTO search_bits (key, block, bits)
SELECT k.key, d.ord / 8192, search_bits_mask(array_agg(d.ord % 8192))
FROM search_document d, search_bit_keys(d) AS k(key)
GROUP BY 1, 2;
ANALYZE search_bits;
