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
-- Unless a request with the same token is recording its use right now: that one records
-- it (a use is kept to 5 minutes), and this one does not queue behind its transaction.
UPDATE api_token SET last_used_at = now()
WHERE id = (SELECT id FROM api_token WHERE id = $1 FOR UPDATE SKIP LOCKED)

-- name: insert_token
INSERT INTO api_token (user_id, token_hash, name, expires_at)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: user_by_email
SELECT id, email, name, is_coordinator FROM app_user WHERE lower(email) = lower($1)

-- name: insert_user_if_new
-- Nothing when the address is taken, or gets taken meanwhile: it waits for the other
-- transaction, rather than failing on the unique index, when that one has not committed.
-- The new user's id; none when the address was taken.
INSERT INTO app_user (email, name, is_coordinator, password_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT ((lower(email))) DO NOTHING
RETURNING id

-- name: upsert_membership
INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, $3)
ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = EXCLUDED.role

-- name: join_organisation
-- Accepting an invitation makes a member; someone who already is one keeps their role (roles
-- are given on the team page, not by an old link).
INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, $3)
ON CONFLICT (user_id, organisation_id) DO NOTHING

-- name: user_for_login
SELECT id, email, name, password_hash, disabled_at IS NOT NULL AS disabled
FROM app_user WHERE lower(email) = lower($1)

-- name: set_password
UPDATE app_user SET password_hash = $2 WHERE id = $1

-- name: set_name_if_empty
UPDATE app_user SET name = $2 WHERE id = $1 AND name = ''

-- name: insert_session
INSERT INTO user_session (user_id, session_hash, created_at, last_seen_at, expires_at,
                          absolute_expires_at)
VALUES ($1, $2, $3, $3, $4, $5)
RETURNING id

-- name: identity_by_session
SELECT u.id, u.email, u.is_coordinator, s.id AS session_id, s.absolute_expires_at,
       coalesce(jsonb_object_agg(m.organisation_id, m.role)
                FILTER (WHERE m.organisation_id IS NOT NULL), '{}') AS roles,
       s.last_seen_at < $2::timestamptz - interval '5 minutes' AS stale
FROM user_session s
JOIN app_user u ON u.id = s.user_id
LEFT JOIN membership m ON m.user_id = u.id
WHERE s.session_hash = $1
  AND s.expires_at > $2
  AND u.disabled_at IS NULL
GROUP BY u.id, s.id

-- name: touch_session
-- Unless a request of the same session is extending it right now (see touch_token).
UPDATE user_session SET last_seen_at = $2, expires_at = least($3, absolute_expires_at)
WHERE id = (SELECT id FROM user_session WHERE id = $1 FOR UPDATE SKIP LOCKED)

-- name: delete_session
DELETE FROM user_session WHERE session_hash = $1

-- name: delete_user_sessions
DELETE FROM user_session WHERE user_id = $1

-- name: purge_sessions
DELETE FROM user_session WHERE expires_at < $1

-- name: lock_attempts
-- Attempts against one subject ($1, a key of `throttle.lock_key`) are counted one request at
-- a time, until the counting transaction ends. The two-key form (the first key is 'thro' in
-- ASCII) keeps these locks apart from the one-key locks of search and migrations.
SELECT pg_advisory_xact_lock(1953002095, $1::int)

-- name: count_attempts
SELECT count(*) AS failures, min(at) AS oldest
FROM login_attempt WHERE kind = $1 AND subject = $2 AND at > $3

-- name: record_attempt
INSERT INTO login_attempt (kind, subject, at) VALUES ($1, $2, $3)

-- name: clear_attempts
DELETE FROM login_attempt WHERE kind = $1 AND subject = $2

-- name: purge_attempts
DELETE FROM login_attempt WHERE at < $1

-- name: insert_login_link
INSERT INTO login_link (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)

-- name: valid_login_link
SELECT l.user_id FROM login_link l JOIN app_user u ON u.id = l.user_id
WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND u.disabled_at IS NULL

-- name: consume_login_link
-- One UPDATE: of two simultaneous uses, only one gets the row back.
UPDATE login_link l SET used_at = $2
FROM app_user u
WHERE u.id = l.user_id AND l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2
  AND u.disabled_at IS NULL
RETURNING l.user_id

-- name: organisation_name
SELECT name FROM organisation WHERE id = $1

-- name: insert_invitation
INSERT INTO invitation (organisation_id, email, role, language, invited_by, token_hash,
                        created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, organisation_id, email, role, language, created_at, expires_at

-- name: invitation_just_sent
-- The same invitation ($1 organisation, $2 address in any case, $3 role, $4 language) that
-- the same person ($5) sent since $6 and that is still out: sending it again (a double click,
-- a retry) gives it back, rather than a second mail whose first link no longer works.
SELECT id, organisation_id, email, role, language, created_at, expires_at
FROM invitation
WHERE organisation_id = $1 AND lower(email) = lower($2) AND role = $3 AND language = $4
  AND invited_by = $5 AND created_at >= $6 AND accepted_at IS NULL AND revoked_at IS NULL
ORDER BY created_at DESC LIMIT 1

-- name: pending_invitations
SELECT id, organisation_id, email, role, language, created_at, expires_at
FROM invitation
WHERE organisation_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2
ORDER BY created_at DESC

-- name: revoke_invitation
UPDATE invitation SET revoked_at = $3
WHERE id = $1 AND organisation_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
RETURNING id

-- name: lock_invitations_of
-- The invitations of an address ($2, any case) in an organisation ($1) are written one
-- request at a time, until the transaction ends: of two invitations sent at once, the
-- second replaces the first; one sent while another is accepted finds a member (the first
-- key is 'invi' in ASCII). Taken before any invitation's row lock, to never deadlock.
SELECT pg_advisory_xact_lock(1768846953, hashtext($1::uuid::text || ' ' || lower($2)))

-- name: revoke_invitations_of
-- The links still out for an address in an organisation: a newer invitation replaces them,
-- and joining or leaving ends them (a leftover link would let a removed member back in, or
-- give a member another role).
UPDATE invitation SET revoked_at = $3
WHERE organisation_id = $1 AND lower(email) = lower($2)
  AND accepted_at IS NULL AND revoked_at IS NULL

-- name: revoke_coordinators_invitations
-- Once an organisation ($1) has an admin, the links still out that someone who is not its
-- admin sent (a coordinator naming the first admin) end.
UPDATE invitation AS i SET revoked_at = $2
WHERE i.organisation_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM membership m
                  WHERE m.organisation_id = i.organisation_id AND m.user_id = i.invited_by
                    AND m.role = 'admin')

-- name: invitation_by_token
SELECT i.id, i.organisation_id, i.email, i.role, i.language, i.expires_at, o.name AS organisation_name,
       u.id AS user_id, u.password_hash IS NOT NULL AS has_password
FROM invitation i
JOIN organisation o ON o.id = i.organisation_id
LEFT JOIN app_user u ON lower(u.email) = lower(i.email)
WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2

-- name: lock_invitation_by_token
-- The invitation a link stands for, locked while it is accepted: a form sent twice (a double
-- click) waits for the first acceptance, then finds the invitation used.
SELECT i.id, i.organisation_id, i.email, i.role, i.language, i.expires_at, o.name AS organisation_name,
       u.id AS user_id, u.password_hash IS NOT NULL AS has_password
FROM invitation i
JOIN organisation o ON o.id = i.organisation_id
LEFT JOIN app_user u ON lower(u.email) = lower(i.email)
WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
FOR UPDATE OF i

-- name: accept_invitation
UPDATE invitation SET accepted_at = $2, accepted_by = $3
WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
RETURNING id

-- name: memberships_of_organisation
SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at
FROM membership m JOIN app_user u ON u.id = m.user_id
WHERE m.organisation_id = $1
ORDER BY lower(u.name), lower(u.email)

-- name: membership_role
SELECT role FROM membership WHERE organisation_id = $1 AND user_id = $2 FOR UPDATE

-- name: lock_admins
SELECT user_id FROM membership WHERE organisation_id = $1 AND role = 'admin' FOR UPDATE

-- name: has_active_admin
-- Whether an admin of the organisation can still sign in: then its team is its own business.
SELECT EXISTS (
    SELECT 1 FROM membership m JOIN app_user u ON u.id = m.user_id
    WHERE m.organisation_id = $1 AND m.role = 'admin' AND u.disabled_at IS NULL
)

-- name: change_membership_role
UPDATE membership SET role = $3 WHERE organisation_id = $1 AND user_id = $2

-- name: user_email_by_id
SELECT email FROM app_user WHERE id = $1

-- name: delete_membership
DELETE FROM membership WHERE organisation_id = $1 AND user_id = $2

-- name: me
SELECT u.id, u.email, u.name, u.is_coordinator,
       coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'role', m.role)
                          ORDER BY lower(o.name)) FILTER (WHERE o.id IS NOT NULL),
                '[]') AS organisations
FROM app_user u
LEFT JOIN membership m ON m.user_id = u.id
LEFT JOIN organisation o ON o.id = m.organisation_id
WHERE u.id = $1
GROUP BY u.id

-- name: purge_login_links
DELETE FROM login_link WHERE expires_at < $1

-- name: editor_emails
-- The admins and editors of an organisation who can sign in: those who keep its entries
-- right (verification reminders, reports of wrong information).
SELECT u.email FROM membership m JOIN app_user u ON u.id = m.user_id
WHERE m.organisation_id = $1 AND m.role IN ('admin', 'editor') AND u.disabled_at IS NULL
ORDER BY lower(u.email)
