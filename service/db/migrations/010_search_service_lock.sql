-- The advisory lock key of a service for the search outbox consumers (see search/outbox.py).
-- A fixed first byte keeps these keys apart from the migrations' own lock.
CREATE FUNCTION service_lock_key(service_id text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT hashtextextended('search-service:' || service_id, 0)
$$;
