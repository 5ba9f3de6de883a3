/**
 * The export layout: tagged, `|`-delimited lines. One header, then for each family a family line, its qualifying
 * moves and its children, each child followed by its enrollments, and a trailer with the counts:
 *
 *     H|NGS-EXPORT|1|TX|01/15/2025
 *     F|F0001|Maria|Reyes|Jose|Reyes||
 *     Q|F0001|08/19/2024|Fresno|CA|US|Weslaco|TX|08/18/2027
 *     C|F0001|TX1001|Ana|Sofia|Reyes|Lopez||F|03/09/2014|N|Fresno|CA|US
 *     E|TX1001|08/26/2024||01|05|480000000001|Weslaco Elementary|4800001|Weslaco ISD|Y
 *     T|1|1
 *
 * In migrant education a qualifying move is the family's (the worker's move, which the children made with or to
 * join the worker), so moves and parents are written once per family and every child of the family carries them.
 * A child who arrived on another date is written in a family block of its own. Each table below names a line's
 * columns once; the parser and the formatter both read it.
 */

/** Canonical keys of the identity, in the order of the child line after family id and student id. */
export const CHILD_COLUMNS = [
  'firstName',
  'middleName',
  'lastName1',
  'lastName2',
  'suffix',
  'sex',
  'birthDate',
  'multipleBirth',
  'birthCity',
  'birthState',
  'birthCountry',
] as const;

/** Canonical keys of a qualifying move, after the family id. */
export const MOVE_COLUMNS = [
  'qualifyingArrivalDate',
  'fromCity',
  'fromState',
  'fromCountry',
  'toCity',
  'toState',
  'eligibilityExpirationDate',
] as const;

/** Canonical keys of an enrollment, after the student id. */
export const ENROLLMENT_COLUMNS = [
  'enrollmentDate',
  'withdrawalDate',
  'enrollmentType',
  'gradeLevel',
  'schoolId',
  'schoolName',
  'districtId',
  'districtName',
  'priorityForServices',
] as const;

/** The family line's parent slots: first and last name for each, in this order. */
export const PARENT_SLOTS = ['parent1', 'parent2', 'guardian'] as const;

/** Canonical fields that are dates (written in the configured date format) and yes/no flags (Y/N). */
export const DATE_KEYS = new Set([
  'birthDate',
  'qualifyingArrivalDate',
  'eligibilityExpirationDate',
  'enrollmentDate',
  'withdrawalDate',
]);
export const FLAG_KEYS = new Set(['multipleBirth', 'priorityForServices']);

/** The source's own name for a column, for messages: `C.birthDate`. */
export const sourceName = (tag: string, key: string) => `${tag}.${key}`;

export const FORMAT_NAME = 'NGS-EXPORT';
export const FORMAT_VERSION = '1';
