-- The newest-first /api/v1 lists page by (created_at, id) with the last item's createdAt and id (core/paging.ts
-- createdBefore). The API shows createdAt to the millisecond, and now() has microseconds: a page boundary at a row
-- stamped .123456 asked for rows before .123, and skipped the other rows of that millisecond, which are every other
-- row of the same transaction (the soak's help desk missed dead letters so). Stamped to the millisecond from now on,
-- the last item's createdAt names its row exactly; rows written before keep their microseconds (pages crossing
-- them behave as before).
ALTER TABLE exchanges ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE deliveries ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE move_notices ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE record_requests ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
