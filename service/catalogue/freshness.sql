-- Whether the network's information is kept up to date (service/catalogue/freshness.py).

-- name: organisations_freshness
-- Every organisation with services (not inactive): how many, how many to verify (never
-- verified or last verified before $1), who could verify them, the last reminder, the
-- problems reported and not yet handled.
SELECT o.id AS organisation_id, o.name,
       count(s.id) AS services,
       count(s.id) FILTER (WHERE s.last_verified_on IS NULL OR s.last_verified_on < $1)
           AS to_verify,
       count(s.id) FILTER (WHERE s.last_verified_on IS NULL) AS never_verified,
       min(s.last_verified_on) AS oldest_verified_on,
       (SELECT count(*) FROM membership m JOIN app_user u ON u.id = m.user_id
        WHERE m.organisation_id = o.id AND m.role IN ('admin', 'editor')
          AND u.disabled_at IS NULL) AS editors,
       (SELECT max(r.sent_at) FROM verification_reminder r WHERE r.organisation_id = o.id)
           AS last_reminded_at,
       (SELECT count(*) FROM service_report p JOIN service ps ON ps.id = p.service_id
        WHERE ps.organisation_id = o.id AND p.handled_at IS NULL) AS open_reports
FROM organisation o
JOIN service s ON s.organisation_id = o.id AND s.status <> 'inactive'
GROUP BY o.id, o.name
ORDER BY count(s.id) FILTER (WHERE s.last_verified_on IS NULL OR s.last_verified_on < $1) DESC,
         lower(o.name), o.id

-- name: organisations_without_services
-- Organisations with no service in the directory (new ones, say): the admins who can sign
-- in and run them, and whether one is invited (a link still valid at $1).
SELECT o.id AS organisation_id, o.name,
       (SELECT count(*) FROM membership m JOIN app_user u ON u.id = m.user_id
        WHERE m.organisation_id = o.id AND m.role = 'admin' AND u.disabled_at IS NULL)
           AS admins,
       EXISTS (SELECT 1 FROM invitation i
               WHERE i.organisation_id = o.id AND i.role = 'admin' AND i.accepted_at IS NULL
                 AND i.revoked_at IS NULL AND i.expires_at > $1) AS admin_invited
FROM organisation o
WHERE NOT EXISTS (SELECT 1 FROM service s WHERE s.organisation_id = o.id AND s.status <> 'inactive')
ORDER BY lower(o.name), o.id

-- name: services_to_verify
-- The services of the organisations $1 to verify (never, or last verified before $2),
-- the oldest first.
SELECT s.id AS service_id, s.organisation_id, s.name, s.last_verified_on
FROM service s
WHERE s.organisation_id = ANY($1::uuid[]) AND s.status <> 'inactive'
  AND (s.last_verified_on IS NULL OR s.last_verified_on < $2)
ORDER BY s.last_verified_on NULLS FIRST, lower(s.name), s.id

-- name: lock_organisation
-- The organisation, locked while a reminder is decided (two coordinators at once send one).
SELECT id, name, email, language FROM organisation WHERE id = $1 FOR UPDATE

-- name: last_reminder
SELECT max(sent_at) FROM verification_reminder WHERE organisation_id = $1

-- name: record_reminder
INSERT INTO verification_reminder (organisation_id, sent_by, sent_at, services, recipients)
VALUES ($1, $2, $3, $4, $5)
