-- Problems reported about services' information (service/catalogue/reports.py).

-- name: service_for_report
SELECT s.id, s.name, s.organisation_id, o.name AS organisation, o.email AS organisation_email,
       o.language
FROM service s JOIN organisation o ON o.id = s.organisation_id
WHERE s.id = $1

-- name: insert_report
INSERT INTO service_report (service_id, kind, details, created_at)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: open_reports
-- Reports not yet handled about the services of the organisations $1 (NULL: all), the
-- oldest first.
SELECT r.id, r.service_id, s.name AS service_name, s.organisation_id, r.kind, r.details,
       r.created_at
FROM service_report r JOIN service s ON s.id = r.service_id
WHERE ($1::uuid[] IS NULL OR s.organisation_id = ANY($1::uuid[])) AND r.handled_at IS NULL
ORDER BY r.created_at, r.id

-- name: report_organisation
-- The organisation whose service a report is about, locking the report.
SELECT s.organisation_id, r.handled_at
FROM service_report r JOIN service s ON s.id = r.service_id
WHERE r.id = $1
FOR UPDATE OF r

-- name: mark_handled
UPDATE service_report SET handled_at = $2, handled_by = $3 WHERE id = $1

-- name: purge_reports
-- Handled more than 30 days ago ($1), or made more than 180 days ago ($2).
DELETE FROM service_report WHERE handled_at < $1 OR created_at < $2
