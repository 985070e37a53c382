-- The place of each dated exception in the list it was written in: where two exceptions of
-- the same length cover a day, the later in the list is in force (service/hours/schedule.py),
-- so reads give them back in that order. Rows written before keep the order of their days.

ALTER TABLE hours_exception ADD COLUMN position integer NOT NULL DEFAULT 0;
