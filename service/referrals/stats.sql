-- Referral statistics (service/referrals/stats.py). Only the anonymous facts of `referral`
-- are read, never `referral_person`. Every query takes the same scope: $1 the first day and
-- $2 the last day (Brussels dates, inclusive; NULL for no bound), $3 the organisation (a
-- referral it sent or received; NULL for the whole network).

-- name: stats_totals
-- The referrals of the scope: how many, answered, accepted, final; the median time to answer.
SELECT count(*) AS total,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE final_at IS NOT NULL) AS final,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM answered_at - created_at) / 3600.0)
           FILTER (WHERE answered_at IS NOT NULL) AS median_hours
FROM referral r
WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
  AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
  AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3);

-- name: stats_months
-- Sent and received per month (Brussels), the organisation's own when one is asked.
SELECT to_char(r.created_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM') AS month,
       count(*) FILTER (WHERE $3::uuid IS NULL OR r.from_organisation_id = $3) AS sent,
       count(*) FILTER (WHERE $3::uuid IS NULL OR r.to_organisation_id = $3) AS received
FROM referral r
WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
  AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
  AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
GROUP BY 1 ORDER BY 1;

-- name: stats_themes
-- Referrals per top theme (a theme the taxonomy no longer has counts as itself), and the
-- declines for capacity or eligibility: the unmet needs.
SELECT coalesce(th.parent_id, th.id, t.theme) AS theme,
       count(DISTINCT t.id) AS referrals,
       count(DISTINCT t.id) FILTER (WHERE t.decline_reason = 'no_capacity') AS no_capacity,
       count(DISTINCT t.id) FILTER (WHERE t.decline_reason = 'not_eligible') AS not_eligible
FROM (SELECT r.id, r.decline_reason, unnest(r.themes) AS theme
      FROM referral r
      WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
        AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
        AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
     ) AS t
LEFT JOIN theme th ON th.id = t.theme
GROUP BY 1 ORDER BY 1;

-- name: stats_organisations
-- Sent and received per organisation named by the scope's referrals.
SELECT o.id AS organisation_id, o.name,
       count(*) FILTER (WHERE x.side = 'from') AS sent,
       count(*) FILTER (WHERE x.side = 'to') AS received
FROM (SELECT r.from_organisation_id AS organisation_id, 'from' AS side
      FROM referral r
      WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
        AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
        AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
      UNION ALL
      SELECT r.to_organisation_id, 'to'
      FROM referral r
      WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
        AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
        AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
     ) AS x
JOIN organisation o ON o.id = x.organisation_id
GROUP BY o.id, o.name ORDER BY o.name, o.id;

-- name: stats_statuses
-- Referrals per status.
SELECT r.status AS key, count(*) AS n
FROM referral r
WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
  AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
  AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
  AND r.status IS NOT NULL
GROUP BY 1 ORDER BY 1;

-- name: stats_outcomes
-- Closed referrals per outcome.
SELECT r.outcome AS key, count(*) AS n
FROM referral r
WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
  AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
  AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
  AND r.outcome IS NOT NULL
GROUP BY 1 ORDER BY 1;

-- name: stats_decline_reasons
-- Declined referrals per reason.
SELECT r.decline_reason AS key, count(*) AS n
FROM referral r
WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
  AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
  AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
  AND r.decline_reason IS NOT NULL
GROUP BY 1 ORDER BY 1;

-- name: stats_organisation_name
-- The name of the organisation the statistics are about, for the page's title.
SELECT name FROM organisation WHERE id = $1;
