-- Services no longer offered (status inactive) have no search document any more: queue them,
-- so that the documents the index still holds of them are deleted.
SELECT enqueue_search(coalesce(array_agg(id), '{}')) FROM service WHERE status = 'inactive';
