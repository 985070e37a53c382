-- Where the words are found ranks first (search/postgres.py): all of them in the name, then
-- in the name, organisation and themes, then also in the description and place, then
-- anywhere; `ts_rank` orders the documents of one tier (it alone can put a description that
-- repeats the words above a name made of them).
--
-- The query with every word restricted to these weights ('A', 'AB', 'ABC'): a document
-- matches it exactly when `ts_filter(tsv, <the same weights>)` matches the query, without
-- building the filtered vector, so that every match gets its tier for the cost of a match.
CREATE FUNCTION search_weighted(q tsquery, weights text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT regexp_replace(q::text, '''((?:[^'']|'''')*)''(?::(\*))?', '''\1'':\2' || weights,
                          'g')::tsquery
$$;
