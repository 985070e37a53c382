-- Reads of the public pages that the catalogue's own queries do not cover.

-- name: theme_service_counts
-- How many active services each theme has (sub-themes counted in their parent too).
SELECT t.id, count(DISTINCT s.id) AS services
FROM theme t
JOIN service_theme st ON st.theme_id = t.id OR st.theme_id LIKE t.id || '.%'
JOIN service s ON s.id = st.service_id AND s.status <> 'inactive'
GROUP BY t.id

-- name: editable_services
-- The services of the given organisations, for their editors' dashboard.
SELECT s.id, s.name, s.organisation_id, o.name AS organisation, s.capacity_status,
       s.capacity_updated_at, s.status, s.last_verified_on, s.version,
       coalesce((SELECT json_agg(json_build_object('place_id', sp.place_id, 'name', p.name)
                                 ORDER BY sp.position)
                 FROM service_place sp JOIN place p ON p.id = sp.place_id
                 WHERE sp.service_id = s.id), '[]') AS places
FROM service s JOIN organisation o ON o.id = s.organisation_id
WHERE s.organisation_id = ANY($1::uuid[]) AND s.status <> 'inactive'
ORDER BY lower(o.name), lower(s.name), s.id

-- name: organisations_named
-- Organisations by id: their name, and the language they write in (for `lang`).
SELECT id, name, language FROM organisation WHERE id = ANY($1::uuid[])

-- name: organisations_to_report_on
-- Every organisation of the network, by name: what a coordinator's statistics may be about.
SELECT id, name FROM organisation ORDER BY lower(name), id

-- name: organisations_inviting_editors
-- Organisations with an admin or an editor invited, the link still valid at $1: someone
-- will verify their services once they accept.
SELECT DISTINCT organisation_id FROM invitation
WHERE role IN ('admin', 'editor') AND accepted_at IS NULL AND revoked_at IS NULL
  AND expires_at > $1

-- name: organisation_for_team
-- The organisation whose team page is shown, and the language of its mails.
SELECT id, name, language FROM organisation WHERE id = $1

-- name: sitemap_pages
-- The public pages search engines may list: services not withdrawn, the organisations and
-- places that hold them, each with when it last changed; a sitemap holds at most 50,000 URLs
-- (three are the fixed pages), the most recently changed kept.
SELECT 'services' AS kind, s.id, s.updated_at FROM service s WHERE s.status <> 'inactive'
UNION ALL
SELECT 'organisations', o.id, o.updated_at FROM organisation o
WHERE EXISTS (SELECT 1 FROM service s WHERE s.organisation_id = o.id AND s.status <> 'inactive')
UNION ALL
SELECT 'places', p.id, p.updated_at FROM place p
WHERE EXISTS (SELECT 1 FROM service_place sp JOIN service s ON s.id = sp.service_id
              WHERE sp.place_id = p.id AND s.status <> 'inactive')
ORDER BY updated_at DESC, 1, 2
LIMIT 49997

-- name: frequent_destinations
-- The services (still offered) that the given organisations referred people to most since a
-- moment: a worker's usual partners, one click from referring again.
SELECT s.id, s.name, o.name AS organisation, o.language, s.capacity_status, s.status,
       count(*) AS referrals
FROM referral r
JOIN service s ON s.id = r.service_id AND s.status <> 'inactive'
JOIN organisation o ON o.id = s.organisation_id
WHERE r.from_organisation_id = ANY($1::uuid[]) AND r.created_at > $2
GROUP BY s.id, o.id
ORDER BY count(*) DESC, lower(s.name), s.id
LIMIT $3

-- name: organisation_changes
-- The last changes of an organisation's entry, newest first: when, by whom, before and after.
SELECT c.at, c.action,
       coalesce(nullif(u.name, ''), u.email, nullif(c.actor_label, ''), 'system') AS actor,
       c.before, c.after
FROM change_log c LEFT JOIN app_user u ON u.id = c.actor_id
WHERE c.entity = 'organisation' AND c.entity_id = $1
ORDER BY c.id DESC
LIMIT $2

-- name: parent_choices
-- The organisations another one may be part of (a coordinator's choice), by name.
SELECT id, name FROM organisation WHERE id <> $1 ORDER BY lower(name), id

-- name: organisations_telling_nobody
-- Organisations offering services (not withdrawn) that no referral mail reaches: no address of
-- their own and nobody in their team who can sign in (`referrals.notify`). Referrals sent to
-- them wait unseen until they expire.
SELECT o.id, o.name FROM organisation o
WHERE o.email IS NULL
  AND EXISTS (SELECT 1 FROM service s WHERE s.organisation_id = o.id AND s.status <> 'inactive')
  AND NOT EXISTS (SELECT 1 FROM membership m JOIN app_user u ON u.id = m.user_id
                  WHERE m.organisation_id = o.id AND u.disabled_at IS NULL)
ORDER BY lower(o.name), o.id

-- name: services_at_place
-- The services held at a place, with their organisation (whose editors set their hours there).
SELECT DISTINCT s.id, s.name, s.organisation_id FROM service_place sp
JOIN service s ON s.id = sp.service_id
WHERE sp.place_id = $1 AND s.status <> 'inactive'
ORDER BY s.name, s.id

-- name: organisation_services
-- An organisation's services still offered, to hold at a new place, with the version read.
SELECT id, name, version FROM service
WHERE organisation_id = $1 AND status <> 'inactive'
ORDER BY lower(name), id
LIMIT $2

-- name: place_territories
-- The sections and neighbourhoods a place may be in, by commune, with their postal codes.
SELECT t.id, t.name, t.kind, t.postal_codes, c.name AS commune
FROM territory t
JOIN territory c ON c.id = split_part(t.id, '.', 1)
WHERE t.kind IN ('section', 'quartier')
ORDER BY c.name, t.id

-- name: places_not_holding
-- The organisation's places that do not hold the service yet, to hold it there too.
SELECT p.id, p.name, p.street, p.postal_code, p.commune FROM place p
WHERE p.organisation_id = $1
  AND NOT EXISTS (SELECT 1 FROM service_place sp WHERE sp.service_id = $2 AND sp.place_id = p.id)
ORDER BY lower(p.name), p.id
