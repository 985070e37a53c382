-- name: identity_by_token
SELECT u.id, u.email, u.is_coordinator, t.id AS token_id,
       coalesce(jsonb_object_agg(m.organisation_id, m.role)
                FILTER (WHERE m.organisation_id IS NOT NULL), '{}') AS roles,
       t.last_used_at < now() - interval '5 minutes' OR t.last_used_at IS NULL AS stale
FROM api_token t
JOIN app_user u ON u.id = t.user_id
LEFT JOIN membership m ON m.user_id = u.id
WHERE t.token_hash = $1
  AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
  AND u.disabled_at IS NULL
GROUP BY u.id, t.id

-- name: touch_token
UPDATE api_token SET last_used_at = now() WHERE id = $1

-- name: insert_token
INSERT INTO api_token (user_id, token_hash, name, expires_at)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: user_by_email
SELECT id, email, name, is_coordinator FROM app_user WHERE lower(email) = lower($1)

-- name: insert_user
INSERT INTO app_user (email, name, is_coordinator, password_hash)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: upsert_membership
INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, $3)
ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = EXCLUDED.role
