-- Referral statistics (service/referrals/stats.py). Only the anonymous facts of `referral`
-- are read, never `referral_person`. `stats` takes the scope: $1 the first day and $2 the
-- last day (Brussels dates, inclusive; NULL for no bound), $3 the organisation (a referral
-- it sent or received; NULL for the whole network).

-- name: stats
-- Every figure of the statistics in one statement, so from one snapshot: counts that must
-- add up (see `Group` in stats.py) do, even while referrals are sent and answered; seven
-- statements in a READ COMMITTED transaction each saw the referrals of their own moment.
-- Each part is a JSON list of rows, in the order shown (`json`, not `jsonb`, keeps it).
WITH r AS MATERIALIZED (
    SELECT r.id, r.created_at, r.answered_at, r.accepted_at, r.final_at, r.status, r.outcome,
           r.decline_reason, r.themes, r.from_organisation_id, r.to_organisation_id
    FROM referral r
    WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
      AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
      AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)
),
-- How many, answered, accepted, final; the median time to answer.
totals AS (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
           count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
           count(*) FILTER (WHERE final_at IS NOT NULL) AS final,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY extract(epoch FROM answered_at - created_at) / 3600.0)
               FILTER (WHERE answered_at IS NOT NULL) AS median_hours
    FROM r
),
-- Sent and received per month (Brussels), the organisation's own when one is asked.
months AS (
    SELECT to_char(created_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM') AS month,
           count(*) FILTER (WHERE $3::uuid IS NULL OR from_organisation_id = $3) AS sent,
           count(*) FILTER (WHERE $3::uuid IS NULL OR to_organisation_id = $3) AS received
    FROM r GROUP BY 1
),
-- Referrals per top theme (a theme the taxonomy no longer has counts as itself), and the
-- declines for capacity or eligibility: the unmet needs.
themes AS (
    SELECT coalesce(th.parent_id, th.id, t.theme) AS theme,
           count(DISTINCT t.id) AS referrals,
           count(DISTINCT t.id) FILTER (WHERE t.decline_reason = 'no_capacity') AS no_capacity,
           count(DISTINCT t.id) FILTER (WHERE t.decline_reason = 'not_eligible') AS not_eligible
    FROM (SELECT id, decline_reason, unnest(themes) AS theme FROM r) AS t
    LEFT JOIN theme th ON th.id = t.theme
    GROUP BY 1
),
-- Sent and received per organisation named by the scope's referrals.
organisations AS (
    SELECT o.id AS organisation_id, o.name,
           count(*) FILTER (WHERE x.side = 'from') AS sent,
           count(*) FILTER (WHERE x.side = 'to') AS received
    FROM (SELECT from_organisation_id AS organisation_id, 'from' AS side FROM r
          UNION ALL
          SELECT to_organisation_id, 'to' FROM r) AS x
    JOIN organisation o ON o.id = x.organisation_id
    GROUP BY o.id, o.name
),
-- Referrals per status, closed ones per outcome, declined ones per reason.
statuses AS (SELECT status AS key, count(*) AS n FROM r WHERE status IS NOT NULL GROUP BY 1),
outcomes AS (SELECT outcome AS key, count(*) AS n FROM r WHERE outcome IS NOT NULL GROUP BY 1),
decline_reasons AS (
    SELECT decline_reason AS key, count(*) AS n FROM r WHERE decline_reason IS NOT NULL
    GROUP BY 1
)
SELECT (SELECT row_to_json(t) FROM totals t) AS totals,
       (SELECT coalesce(json_agg(m ORDER BY m.month), '[]') FROM months m) AS months,
       (SELECT coalesce(json_agg(t ORDER BY t.theme), '[]') FROM themes t) AS themes,
       (SELECT coalesce(json_agg(o ORDER BY o.name, o.organisation_id), '[]')
        FROM organisations o) AS organisations,
       (SELECT coalesce(json_agg(s ORDER BY s.key), '[]') FROM statuses s) AS statuses,
       (SELECT coalesce(json_agg(s ORDER BY s.key), '[]') FROM outcomes s) AS outcomes,
       (SELECT coalesce(json_agg(s ORDER BY s.key), '[]') FROM decline_reasons s)
           AS decline_reasons;

-- name: stats_organisation_name
-- The name of the organisation the statistics are about, for the page's title.
SELECT name FROM organisation WHERE id = $1;
