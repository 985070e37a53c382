-- The HSDS 3.0 export: the catalogue read in batches (one query per kind of record, never one
-- per row). Public data only: nothing here reads accounts or referrals.

-- name: service_ids_page
-- One row: the total of services matching the filters and the ids of one page, by name;
-- $1 search, $2 theme ids, $3 organisation, $4 modified after, $5 limit, $6 offset.
WITH matched AS (
    SELECT s.id, lower(s.name) AS sort_name
    FROM service s
    WHERE ($1::text IS NULL
           OR unaccent(s.name || ' ' || coalesce(s.alternate_name, '') || ' ' || s.description)
              ILIKE '%' || unaccent($1) || '%')
      AND ($2::text[] IS NULL OR EXISTS (
            SELECT 1 FROM service_theme t WHERE t.service_id = s.id AND t.theme_id = ANY($2)))
      AND ($3::uuid IS NULL OR s.organisation_id = $3)
      AND ($4::timestamptz IS NULL OR s.updated_at >= $4)
)
SELECT (SELECT count(*) FROM matched) AS total,
       coalesce((SELECT array_agg(page.id ORDER BY page.sort_name, page.id)
                 FROM (SELECT id, sort_name FROM matched ORDER BY sort_name, id
                       LIMIT $5 OFFSET $6) AS page), '{}') AS ids

-- name: services_by_ids
SELECT s.id, s.organisation_id, s.name, s.alternate_name, s.description, s.type,
       s.age_min, s.age_max, s.genders, s.situations, s.eligibility_notes, s.free, s.price,
       s.appointment_required, s.walk_in, s.unconditional, s.referral_only, s.documents,
       s.languages, s.how_to_access, s.email, s.website, s.phones, s.capacity_status,
       s.capacity_updated_at, s.status, s.last_verified_on, s.updated_at,
       coalesce((SELECT array_agg(t.theme_id ORDER BY t.theme_id)
                 FROM service_theme t WHERE t.service_id = s.id), '{}') AS themes,
       coalesce((
           SELECT json_agg(json_build_object(
                      'id', sp.id, 'place_id', sp.place_id, 'opening_hours', sp.opening_hours,
                      'hours_note', sp.hours_note,
                      'exceptions', coalesce((
                          SELECT json_agg(json_build_object(
                                     'starts_on', e.starts_on, 'ends_on', e.ends_on,
                                     'opening_hours', e.opening_hours, 'message', e.message)
                                 ORDER BY e.starts_on, e.ends_on, e.position)
                          FROM hours_exception e WHERE e.service_place_id = sp.id), '[]'))
                  ORDER BY sp.position)
           FROM service_place sp WHERE sp.service_id = s.id), '[]') AS places
FROM service s
WHERE s.id = ANY($1::uuid[])

-- name: organisations_by_ids
SELECT o.id, o.name, o.alternate_name, o.kind, o.description, o.enterprise_number, o.website,
       o.email, o.phones, o.parent_id, o.language, o.updated_at,
       coalesce((SELECT json_agg(json_build_object('id', n.id, 'name', n.name) ORDER BY n.id)
                 FROM organisation_network onw JOIN network n ON n.id = onw.network_id
                 WHERE onw.organisation_id = o.id), '[]') AS networks
FROM organisation o
WHERE o.id = ANY($1::uuid[])

-- name: organisation_ids_page
-- One row: the total and one page of organisation ids; $1 search, $2 limit, $3 offset.
WITH matched AS (
    SELECT o.id, lower(o.name) AS sort_name
    FROM organisation o
    WHERE ($1::text IS NULL
           OR unaccent(o.name || ' ' || coalesce(o.alternate_name, '') || ' ' || o.description)
              ILIKE '%' || unaccent($1) || '%')
)
SELECT (SELECT count(*) FROM matched) AS total,
       coalesce((SELECT array_agg(page.id ORDER BY page.sort_name, page.id)
                 FROM (SELECT id, sort_name FROM matched ORDER BY sort_name, id
                       LIMIT $2 OFFSET $3) AS page), '{}') AS ids

-- name: organisation_service_ids
SELECT s.id, s.organisation_id
FROM service s
WHERE s.organisation_id = ANY($1::uuid[])
ORDER BY lower(s.name), s.id

-- name: places_by_ids
-- Each place with its territory, the section it lies in and its commune.
SELECT p.id, p.organisation_id, p.name, p.description, p.street, p.postal_code, p.commune,
       p.territory_id, p.latitude, p.longitude, p.wheelchair, p.accessibility_notes,
       p.transport_notes, p.phones,
       t.name AS territory_name,
       CASE WHEN t.kind = 'section' THEN t.name
            WHEN t.kind = 'quartier' THEN parent.name END AS section_name
FROM place p
LEFT JOIN territory t ON t.id = p.territory_id
LEFT JOIN territory parent ON parent.id = t.parent_id
WHERE p.id = ANY($1::uuid[])

-- name: service_place_ids_page
-- One row: the total and one page of service-at-place ids with their services;
-- $1 search, $2 theme ids, $3 organisation, $4 modified after, $5 postal code, $6 limit,
-- $7 offset.
WITH matched AS (
    SELECT sp.id, sp.service_id, lower(s.name) AS sort_name, sp.position
    FROM service_place sp
    JOIN service s ON s.id = sp.service_id
    JOIN place p ON p.id = sp.place_id
    WHERE ($1::text IS NULL
           OR unaccent(s.name || ' ' || coalesce(s.alternate_name, '') || ' ' || p.name)
              ILIKE '%' || unaccent($1) || '%')
      AND ($2::text[] IS NULL OR EXISTS (
            SELECT 1 FROM service_theme t WHERE t.service_id = s.id AND t.theme_id = ANY($2)))
      AND ($3::uuid IS NULL OR s.organisation_id = $3)
      AND ($4::timestamptz IS NULL OR s.updated_at >= $4)
      AND ($5::text IS NULL OR p.postal_code = $5)
)
SELECT (SELECT count(*) FROM matched) AS total,
       coalesce((SELECT array_agg(page.id ORDER BY page.sort_name, page.service_id,
                                  page.position)
                 FROM (SELECT * FROM matched ORDER BY sort_name, service_id, position
                       LIMIT $6 OFFSET $7) AS page), '{}') AS ids

-- name: services_of_service_places
SELECT id, service_id FROM service_place WHERE id = ANY($1::uuid[])

-- name: all_networks
SELECT id, name FROM network ORDER BY id

-- name: all_territories
SELECT id, name FROM territory ORDER BY id

-- name: all_themes
SELECT id, parent_id, position, label_fr, label_nl, label_en
FROM theme
ORDER BY parent_id NULLS FIRST, position, id
