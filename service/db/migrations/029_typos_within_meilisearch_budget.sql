-- Typo correction counted as Meilisearch counts typos (its index settings here: one typo
-- from 4 letters, two from 8; a typo is a letter missing, added or replaced, or two letters
-- swapped, as `search.text.one_typo_apart` says for the synonyms). A word no document holds
-- used to match up to three words of the lexicon with a trigram similarity of 0.4 or more,
-- however far apart: "dentaires" found "alimentaires" (the food parcels), "langes"
-- (nappies) "langue" (the language classes), "puériculture" "culture" (cultural outings),
-- "tonight" "night". The nearest words are now taken within that many typos only, found
-- through the trigram index (`%`: a similarity of 0.3, pg_trgm's default, so that two
-- swapped letters, "logemnet", 0.38, are found too) and the most similar first.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- How many typos apart two words are, two swapped letters counting as one; past 3 (or
-- past the 255 bytes `levenshtein` takes), 3.
CREATE FUNCTION search_typos(typed text, word text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN octet_length(typed) > 255 OR octet_length(word) > 255 THEN 3
        WHEN length(typed) = length(word)
             AND levenshtein_less_equal(typed, word, 3) = 2
             AND EXISTS (
                 SELECT 1 FROM generate_series(1, length(typed) - 1) AS i
                 WHERE overlay(typed PLACING substr(typed, i + 1, 1) || substr(typed, i, 1)
                               FROM i FOR 2) = word
             ) THEN 1
        ELSE least(levenshtein_less_equal(typed, word, 3), 3)
    END
$$;

-- The words of the lexicon a typed word that no document holds is taken for: the `n` most
-- similar within its typos (none under 4 letters, one from 4, two from 8).
CREATE FUNCTION search_near_words(typed text, n integer) RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT l.word FROM search_lexicon l
    WHERE l.word % typed
      AND search_typos(typed, l.word)
          <= CASE WHEN length(typed) >= 8 THEN 2 WHEN length(typed) >= 4 THEN 1 ELSE 0 END
    ORDER BY similarity(l.word, typed) DESC, l.word
    LIMIT n
$$;

CREATE OR REPLACE FUNCTION search_tsquery(groups jsonb, match_any boolean DEFAULT false)
RETURNS tsquery
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
            FOR near IN SELECT search_near_words(typed, 3) LOOP
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
