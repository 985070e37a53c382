-- Queries of the search package that do not belong to one engine.

-- name: documents_of_services
-- Everything a search document needs, one row per service at a place (a service held
-- nowhere gets one row with a NULL place). Public catalogue data only. An inactive service
-- (no longer offered) has no row: its documents leave the index, as a deleted one's do.
SELECT s.id AS service_id, sp.id AS service_place_id, p.id AS place_id,
       s.name, coalesce(s.alternate_name, '') AS alternate_name, s.description, s.type,
       s.age_min, s.age_max, s.genders, s.situations, s.eligibility_notes, s.free, s.price,
       s.walk_in, s.unconditional, s.appointment_required, s.referral_only, s.documents,
       s.how_to_access, s.languages, s.capacity_status, s.status, s.last_verified_on,
       s.updated_at,
       -- The number to call first: the service's, else the place's, else the organisation's.
       coalesce(s.phones -> 0 ->> 'number', p.phones -> 0 ->> 'number',
                o.phones -> 0 ->> 'number') AS phone,
       o.id AS organisation_id, o.name AS organisation, o.language AS content_language,
       coalesce(o.alternate_name, '') AS organisation_alternate_name,
       coalesce(th.ids, '{}') AS theme_ids, coalesce(th.labels, '{}') AS theme_labels,
       p.name AS place_name, p.street, p.postal_code, p.commune, p.latitude, p.longitude,
       coalesce(p.wheelchair, 'unknown') AS wheelchair,
       coalesce(te.ids, '{}') AS territory_ids, coalesce(te.kinds, '{}') AS territory_kinds,
       coalesce(te.names, '{}') AS territory_names,
       sp.opening_hours, coalesce(sp.hours_note, '') AS hours_note,
       coalesce(ex.starts, '{}') AS exception_starts, coalesce(ex.ends, '{}') AS exception_ends,
       coalesce(ex.hours, '{}') AS exception_hours,
       coalesce(ex.messages, '{}') AS exception_messages
FROM service s
JOIN organisation o ON o.id = s.organisation_id
LEFT JOIN service_place sp ON sp.service_id = s.id
LEFT JOIN place p ON p.id = sp.place_id
LEFT JOIN LATERAL (
    WITH RECURSIVE up(id, parent_id, label_fr, label_nl, label_en) AS (
        SELECT t.id, t.parent_id, t.label_fr, t.label_nl, t.label_en
        FROM service_theme st JOIN theme t ON t.id = st.theme_id
        WHERE st.service_id = s.id
        UNION
        SELECT t.id, t.parent_id, t.label_fr, t.label_nl, t.label_en
        FROM theme t JOIN up ON t.id = up.parent_id
    )
    -- The labels in the three languages of the pages: a citizen may search in any of them.
    SELECT array_agg(DISTINCT id ORDER BY id) AS ids,
           array_agg(DISTINCT label_fr) || array_agg(DISTINCT label_nl)
               || array_agg(DISTINCT label_en) AS labels
    FROM up
) th ON true
LEFT JOIN LATERAL (
    WITH RECURSIVE up(id, kind, name, parent_id, depth) AS (
        SELECT t.id, t.kind, t.name, t.parent_id, 0 FROM territory t WHERE t.id = p.territory_id
        UNION ALL
        SELECT t.id, t.kind, t.name, t.parent_id, up.depth + 1
        FROM territory t JOIN up ON t.id = up.parent_id WHERE up.depth < 5
    )
    SELECT array_agg(id ORDER BY depth DESC) AS ids, array_agg(kind ORDER BY depth DESC) AS kinds,
           array_agg(name ORDER BY depth DESC) AS names
    FROM up
) te ON true
LEFT JOIN LATERAL (
    SELECT array_agg(e.starts_on ORDER BY e.starts_on, e.ends_on, e.position) AS starts,
           array_agg(e.ends_on ORDER BY e.starts_on, e.ends_on, e.position) AS ends,
           array_agg(e.opening_hours ORDER BY e.starts_on, e.ends_on, e.position) AS hours,
           array_agg(e.message ORDER BY e.starts_on, e.ends_on, e.position) AS messages
    FROM hours_exception e WHERE e.service_place_id = sp.id
) ex ON true
WHERE s.id = ANY($1::uuid[]) AND s.status <> 'inactive'
ORDER BY s.id, sp.position, sp.id

-- name: all_service_ids
SELECT id FROM service ORDER BY id
