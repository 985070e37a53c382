-- Search documents now carry their themes' English labels too (search/queries.sql): every
-- service is queued for the outbox consumer, which rebuilds its documents in the background
-- (nothing to do on an empty database).
SELECT enqueue_search(coalesce(array_agg(id), '{}')) FROM service;
