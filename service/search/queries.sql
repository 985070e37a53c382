-- name: suggest_service_names
-- Services (active or closed for a while, not gone) with a word of their name that begins
-- with $1 (folded: lower case, no accents), those that begin with it first, then shortest.
SELECT name
FROM (
    SELECT DISTINCT ON (search_fold(d.name)) d.name, search_fold(d.name) AS folded
    FROM search_document d
    WHERE d.status <> 'inactive'
      AND search_fold(d.name) LIKE '%' || $1 || '%'
      AND search_fold(d.name) ~ ('(^|[^a-z0-9])' || $1)
    ORDER BY search_fold(d.name)
) AS names
ORDER BY folded NOT LIKE $1 || '%', length(folded), folded
LIMIT $2;

-- name: suggest_organisation_names
-- Organisations with a word of their name that begins with $1, as above.
SELECT name
FROM organisation o
WHERE search_fold(o.name) ~ ('(^|[^a-z0-9])' || $1)
ORDER BY search_fold(o.name) NOT LIKE $1 || '%', length(o.name), search_fold(o.name)
LIMIT $2;

-- name: theme_labels
SELECT id, label_fr, label_nl, label_en FROM theme ORDER BY position, id;

-- name: territories
-- What `commune`, `section` and the pages' `area` may name (service/search/territories.py).
SELECT id, kind, name, parent_id, postal_codes FROM territory;
