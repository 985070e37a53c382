-- Search documents now carry the number to call first and the language the organisation
-- writes in (search/queries.sql): every service is queued for the outbox consumer, which
-- rebuilds its documents in the background.
SELECT enqueue_search(coalesce(array_agg(id), '{}')) FROM service;
