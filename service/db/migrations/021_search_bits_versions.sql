-- Versions of the search bitmaps and documents, so that a server can hold a copy of them and
-- keep it current by reading only what changed (search/held.py).
--
-- Combining the bitmaps of a query's words in SQL (ORs and ANDs of 1 kB `bit` values,
-- aggregate by aggregate) was most of a word search's time at 100,000 services. The server
-- now holds the bitmaps (numpy) and hands the statement the matches it computed from them.
--
-- Every writer of bitmaps holds the advisory lock `search_bits` until it commits
-- (search/bitmaps.py), so the versions it takes from the sequence are above those of every
-- writer before it, and below those of every writer after: a reader that saw version V saw
-- every row of version V or less, and gets what came since with `version > V`.

CREATE SEQUENCE search_bits_version_seq AS bigint;

ALTER TABLE search_bits
    ADD COLUMN version bigint NOT NULL DEFAULT nextval('search_bits_version_seq');
CREATE INDEX search_bits_version_idx ON search_bits (version);

-- Documents' versions too, from the same sequence (written under the same lock): the copy
-- holds where each document is, to sort by distance and keep what is within a radius.
ALTER TABLE search_document
    ADD COLUMN version bigint NOT NULL DEFAULT nextval('search_bits_version_seq');
CREATE INDEX search_document_version_idx ON search_document (version);

-- A deleted row leaves no version behind: the version at which blocks of zeros were last
-- dropped (at the end of a reindex) tells a copy older than it to read everything again.
ALTER TABLE search_generation ADD COLUMN bits_dropped bigint NOT NULL DEFAULT 0;
