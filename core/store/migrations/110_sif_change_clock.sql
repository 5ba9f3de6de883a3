-- SIF change markers on the gateway's one visibility-safe change clock (issue 11 item 1): a sequence number is taken
-- when a transaction writes, not when it commits, so a marker of max(change_seq) could pass over a change that
-- committed later under a lower number and a consumer would never see it. Changes now carry the writing
-- transaction's change version (edfi_change_version, 071) and markers stop at edfi_newest_change_version, as Ed-Fi
-- change queries do. Existing rows take a version now, so a consumer holding an old marker sees them once more.
ALTER TABLE sif_objects ALTER COLUMN change_seq SET DEFAULT edfi_change_version();
UPDATE sif_objects SET change_seq = edfi_change_version();
DROP SEQUENCE sif_change_seq CASCADE;
