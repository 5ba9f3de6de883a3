import { AUDIT_SQL } from '../audit.js';
import { EDFI_CREATE_STUDENT_SQL } from '../edfi/create-student.js';
import { LINKS_SQL } from '../matching-store/links.js';
import { PLACE_WRITES_SQL } from '../matching-store/place-writes.js';
import { STUDENT_EVENTS_SQL } from '../outbox/student-events.js';
import { STATE_RECORDS_SQL } from '../records.js';
import { SIF_QUEUES_SQL } from '../sif/queues.js';
import { STUDENTS_SQL } from '../students.js';
import type { ModuleSqlFile } from './migrate.js';

/**
 * Every module-owned SQL function file, in the order the migrator runs them after the migrations (a file
 * after the files whose functions it calls). Each is declared by the module that owns it (its set-based write
 * path), next to the file.
 */
export const FUNCTION_FILES: readonly ModuleSqlFile[] = [
  AUDIT_SQL,
  STATE_RECORDS_SQL,
  STUDENT_EVENTS_SQL,
  STUDENTS_SQL,
  LINKS_SQL,
  // Calls the four above.
  PLACE_WRITES_SQL,
  // Calls apply_state_records.
  EDFI_CREATE_STUDENT_SQL,
  SIF_QUEUES_SQL,
];
