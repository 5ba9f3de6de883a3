-- The SIF reference indexes hold only objects that have the reference (issue 15 item 1): a StudentPersonal has no
-- student_ref and most objects no school_ref, yet every one of them was an entry in both indexes, two of the six
-- index writes of each StudentPersonal a multi-create inserts. Every look-up by reference (student_ref = x,
-- student_ref = ANY(...), school_ref = x) implies IS NOT NULL, and still uses them (checked with EXPLAIN on 40,000
-- objects: the BitmapOr of a child's objects, service paths, SchoolInfos/{RefId}/StudentPersonals).
DROP INDEX sif_objects_student;
DROP INDEX sif_objects_school;
CREATE INDEX sif_objects_student ON sif_objects (student_ref) WHERE deleted_at IS NULL AND student_ref IS NOT NULL;
CREATE INDEX sif_objects_school ON sif_objects (school_ref) WHERE deleted_at IS NULL AND school_ref IS NOT NULL;
