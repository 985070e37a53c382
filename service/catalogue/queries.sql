-- Organisations ------------------------------------------------------------

-- name: organisation_select
SELECT o.id, o.name, o.alternate_name, o.kind, o.description, o.enterprise_number, o.website,
       o.email, o.phones, o.parent_id, o.language, o.version, o.created_at, o.updated_at,
       coalesce((SELECT array_agg(n.network_id ORDER BY n.network_id)
                 FROM organisation_network n WHERE n.organisation_id = o.id), '{}') AS networks
FROM organisation o

-- name: insert_organisation
INSERT INTO organisation (id, name, alternate_name, kind, description, enterprise_number,
                          website, email, phones, parent_id, language)
VALUES (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id

-- name: update_organisation
UPDATE organisation
SET name = $2, alternate_name = $3, kind = $4, description = $5, enterprise_number = $6,
    website = $7, email = $8, phones = $9, parent_id = $10, language = $11,
    version = version + 1, updated_at = now()
WHERE id = $1

-- name: delete_organisation
DELETE FROM organisation WHERE id = $1

-- name: lock_organisation
SELECT version FROM organisation WHERE id = $1 FOR UPDATE

-- name: replace_organisation_networks
WITH gone AS (
    DELETE FROM organisation_network
    WHERE organisation_id = $1 AND NOT (network_id = ANY($2::text[]))
)
INSERT INTO organisation_network (organisation_id, network_id)
SELECT $1, unnest($2::text[])
ON CONFLICT DO NOTHING

-- name: organisation_service_ids
SELECT coalesce(array_agg(id), '{}') FROM service WHERE organisation_id = $1

-- name: lock_organisation_tree
-- Held by whoever moves an organisation under another until they commit, so that two moves
-- at once are checked one after the other: A under B while C, above B, went under A, each
-- checked before the other committed, made a cycle (the first key is 'tree' in ASCII).
SELECT pg_advisory_xact_lock(1953654117, 0)

-- name: organisation_descendant_of
-- Whether $2 is $1 or below it: a parent link from $1 to $2 would make a cycle.
WITH RECURSIVE below(id) AS (
    SELECT $1::uuid
    UNION
    SELECT o.id FROM organisation o JOIN below b ON o.parent_id = b.id
)
SELECT EXISTS (SELECT 1 FROM below WHERE id = $2)

-- name: organisation_has_referrals
SELECT EXISTS (SELECT 1 FROM referral WHERE from_organisation_id = $1 OR to_organisation_id = $1)

-- name: organisations_exist
SELECT coalesce(array_agg(id), '{}') FROM organisation WHERE id = ANY($1::uuid[])

-- name: networks_exist
SELECT coalesce(array_agg(id), '{}') FROM network WHERE id = ANY($1::text[])

-- Places -------------------------------------------------------------------

-- name: place_select
SELECT p.id, p.organisation_id, p.name, p.description, p.street, p.postal_code, p.commune,
       p.territory_id, p.latitude, p.longitude, p.wheelchair, p.accessibility_notes,
       p.transport_notes, p.phones, p.version, p.created_at, p.updated_at
FROM place p

-- name: insert_place
INSERT INTO place (id, organisation_id, name, description, street, postal_code, commune,
                   territory_id, latitude, longitude, wheelchair, accessibility_notes,
                   transport_notes, phones)
VALUES (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id

-- name: update_place
UPDATE place
SET organisation_id = $2, name = $3, description = $4, street = $5, postal_code = $6,
    commune = $7, territory_id = $8, latitude = $9, longitude = $10, wheelchair = $11,
    accessibility_notes = $12, transport_notes = $13, phones = $14,
    version = version + 1, updated_at = now()
WHERE id = $1

-- name: delete_place
DELETE FROM place WHERE id = $1

-- name: lock_place
SELECT version, organisation_id FROM place WHERE id = $1 FOR UPDATE

-- name: place_service_ids
SELECT coalesce(array_agg(DISTINCT service_id), '{}') FROM service_place WHERE place_id = $1

-- name: services_held_at_place
-- What deleting a place would take away: the hours of each service held there.
SELECT DISTINCT s.name FROM service_place sp JOIN service s ON s.id = sp.service_id
WHERE sp.place_id = $1 ORDER BY s.name

-- name: places_exist
SELECT coalesce(array_agg(id), '{}') FROM place WHERE id = ANY($1::uuid[])

-- name: territory_exists
SELECT EXISTS (SELECT 1 FROM territory WHERE id = $1)

-- name: territory_of_address
-- Where an address lies when its editor did not say: the one section of its commune with
-- its postal code, else the commune itself (by postal code, else by name); NULL outside the
-- network's communes. Search filters by commune and section on it.
WITH commune AS (
    SELECT id FROM territory
    WHERE kind = 'commune'
      AND ($1::text = ANY(postal_codes) OR lower(unaccent(name)) = lower(unaccent($2::text)))
    ORDER BY $1::text = ANY(postal_codes) DESC, id
    LIMIT 1
), sections AS (
    SELECT t.id FROM territory t JOIN commune c ON t.parent_id = c.id
    WHERE t.kind = 'section' AND $1::text = ANY(t.postal_codes)
)
SELECT CASE WHEN (SELECT count(*) FROM sections) = 1 THEN (SELECT id FROM sections)
            ELSE (SELECT id FROM commune) END

-- Services -----------------------------------------------------------------

-- name: service_select
SELECT s.id, s.organisation_id, s.name, s.alternate_name, s.description, s.type,
       s.age_min, s.age_max, s.genders, s.situations, s.eligibility_notes, s.free, s.price,
       s.appointment_required, s.walk_in, s.unconditional, s.referral_only, s.documents,
       s.languages, s.how_to_access, s.email, s.website, s.phones, s.capacity_status,
       s.capacity_updated_at, s.status, s.last_verified_on, s.version, s.created_at,
       s.updated_at,
       coalesce((SELECT array_agg(t.theme_id ORDER BY t.theme_id)
                 FROM service_theme t WHERE t.service_id = s.id), '{}') AS themes,
       coalesce((
           SELECT json_agg(json_build_object(
                      'id', sp.id, 'place_id', sp.place_id, 'opening_hours', sp.opening_hours,
                      'hours_note', sp.hours_note, 'place_name', p.name,
                      'address', p.street || ', ' || p.postal_code || ' ' || p.commune,
                      'exceptions', coalesce((
                          SELECT json_agg(json_build_object(
                                     'starts_on', e.starts_on, 'ends_on', e.ends_on,
                                     'opening_hours', e.opening_hours, 'message', e.message)
                                 ORDER BY e.starts_on, e.ends_on, e.position)
                          FROM hours_exception e WHERE e.service_place_id = sp.id), '[]'))
                  ORDER BY sp.position)
           FROM service_place sp JOIN place p ON p.id = sp.place_id
           WHERE sp.service_id = s.id), '[]') AS places
FROM service s

-- name: insert_service
INSERT INTO service (id, organisation_id, name, alternate_name, description, type, age_min,
                     age_max, genders, situations, eligibility_notes, free, price,
                     appointment_required, walk_in, unconditional, referral_only, documents,
                     languages, how_to_access, email, website, phones, capacity_status,
                     capacity_updated_at, status, last_verified_on)
VALUES (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
        $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, coalesce($25, now()), $26, $27)
RETURNING id

-- name: update_service
UPDATE service
SET organisation_id = $2, name = $3, alternate_name = $4, description = $5, type = $6,
    age_min = $7, age_max = $8, genders = $9, situations = $10, eligibility_notes = $11,
    free = $12, price = $13, appointment_required = $14, walk_in = $15, unconditional = $16,
    referral_only = $17, documents = $18, languages = $19, how_to_access = $20, email = $21,
    website = $22, phones = $23, capacity_status = $24,
    capacity_updated_at = CASE WHEN capacity_status IS DISTINCT FROM $24
                               THEN coalesce($25, now()) ELSE capacity_updated_at END,
    status = $26, last_verified_on = $27, version = version + 1, updated_at = now()
WHERE id = $1

-- name: delete_service
DELETE FROM service WHERE id = $1

-- name: lock_service
SELECT version, organisation_id FROM service WHERE id = $1 FOR UPDATE

-- name: replace_service_themes
WITH gone AS (
    DELETE FROM service_theme WHERE service_id = $1 AND NOT (theme_id = ANY($2::text[]))
)
INSERT INTO service_theme (service_id, theme_id) SELECT $1, unnest($2::text[])
ON CONFLICT DO NOTHING

-- name: remove_service_places_except
DELETE FROM service_place WHERE service_id = $1 AND NOT (place_id = ANY($2::uuid[]))

-- name: upsert_service_place
INSERT INTO service_place (service_id, place_id, opening_hours, hours_note, position)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (service_id, place_id) DO UPDATE
SET opening_hours = EXCLUDED.opening_hours, hours_note = EXCLUDED.hours_note,
    position = EXCLUDED.position
RETURNING id

-- name: replace_hours_exceptions
WITH gone AS (DELETE FROM hours_exception WHERE service_place_id = $1)
INSERT INTO hours_exception
    (service_place_id, starts_on, ends_on, opening_hours, message, position)
SELECT $1, x.starts_on, x.ends_on, x.opening_hours, x.message, x.position
FROM unnest($2::date[], $3::date[], $4::text[], $5::text[]) WITH ORDINALITY
     AS x(starts_on, ends_on, opening_hours, message, position)

-- name: themes_exist
SELECT coalesce(array_agg(id), '{}') FROM theme WHERE id = ANY($1::text[])

-- Reference data and history ---------------------------------------------------

-- name: list_themes
SELECT id, parent_id, position, label_fr, label_nl, label_en
FROM theme ORDER BY parent_id NULLS FIRST, position, id

-- name: list_territories
SELECT id, kind, name, parent_id, postal_codes, latitude, longitude
FROM territory ORDER BY id

-- name: list_networks
SELECT id, name, description FROM network ORDER BY id LIMIT $1 OFFSET $2

-- name: record_change
INSERT INTO change_log (entity, entity_id, action, actor_id, actor_label, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: record_at_version
SELECT after FROM change_log
WHERE entity = $1 AND entity_id = $2 AND (after ->> 'version')::int = $3
ORDER BY id DESC LIMIT 1

-- name: enqueue_search
SELECT enqueue_search($1::uuid[])

-- name: history
SELECT c.id, c.entity, c.entity_id, c.action,
       coalesce(u.email, nullif(c.actor_label, ''), 'system') AS actor,
       c.at, c.before, c.after
FROM change_log c LEFT JOIN app_user u ON u.id = c.actor_id
WHERE c.entity = $1 AND c.entity_id = $2
ORDER BY c.id DESC
LIMIT $3 OFFSET $4
