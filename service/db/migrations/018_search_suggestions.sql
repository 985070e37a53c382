-- Names offered while the words are typed (GET /api/v1/search/suggestions): a trigram index
-- on the folded service names finds those with a word that begins as typed, at any size.
CREATE INDEX search_document_name_trgm_idx
    ON search_document USING gin (search_fold(name) gin_trgm_ops);
