-- Held near-match records as candidates (docs/matching-operations.md, "Held records are
-- candidates"): a record that is clearly the same child as a record held for review is held
-- with it, and placed again by the engine when the held record's review is decided.
ALTER TABLE match_reviews ADD COLUMN waits_for_record uuid REFERENCES state_records(id);
CREATE INDEX match_reviews_waiting ON match_reviews (waits_for_record) WHERE status = 'open' AND waits_for_record IS NOT NULL;
