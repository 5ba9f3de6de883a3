/**
 * The MIS2000-style export's columns, as data. One row per enrollment; the
 * student and qualifying-move columns repeat on every row of a student, and a
 * student's rows are contiguous.
 */

export type ColumnKind = 'text' | 'date' | 'flag' | 'crosswalk';

export interface Column {
  /** Header name in the file (matched case-insensitively). */
  name: string;
  /**
   * Where the value lands: `identity.firstName`, `move.fromCountry`, `enrollment.gradeLevel`, `student.stateStudentId`…
   */
  target: `${'student' | 'identity' | 'parent1' | 'parent2' | 'move' | 'enrollment'}.${string}`;
  kind: ColumnKind;
  /** For `crosswalk` columns: the crosswalk id in mappings/. */
  crosswalk?: string;
}

const c = (name: string, target: Column['target'], kind: ColumnKind = 'text', crosswalk?: string): Column => ({
  name,
  target,
  kind,
  ...(crosswalk ? { crosswalk } : {}),
});

export const COLUMNS: readonly Column[] = [
  c('StudentID', 'student.stateStudentId'),
  c('MSIXID', 'student.msixId'),
  c('Action', 'student.action'),
  c('LastName', 'identity.lastName1'),
  c('LastName2', 'identity.lastName2'),
  c('FirstName', 'identity.firstName'),
  c('MiddleName', 'identity.middleName'),
  c('Suffix', 'identity.suffix'),
  c('Sex', 'identity.sex', 'crosswalk', 'mis2000/sex'),
  c('BirthDate', 'identity.birthDate', 'date'),
  c('MultipleBirth', 'identity.multipleBirth', 'flag'),
  c('BirthCity', 'identity.birthCity'),
  c('BirthState', 'identity.birthState'),
  c('BirthCountry', 'identity.birthCountry', 'crosswalk', 'mis2000/country'),
  c('Parent1First', 'parent1.firstName'),
  c('Parent1Last', 'parent1.lastName'),
  c('Parent2First', 'parent2.firstName'),
  c('Parent2Last', 'parent2.lastName'),
  c('QAD', 'move.qualifyingArrivalDate', 'date'),
  c('FromCity', 'move.fromCity'),
  c('FromState', 'move.fromState'),
  c('FromCountry', 'move.fromCountry', 'crosswalk', 'mis2000/country'),
  c('ToCity', 'move.toCity'),
  c('ToState', 'move.toState'),
  c('EligibilityExpires', 'move.eligibilityExpirationDate', 'date'),
  c('EnrollType', 'enrollment.enrollmentType', 'crosswalk', 'mis2000/enrollmentType'),
  c('SchoolID', 'enrollment.schoolId'),
  c('SchoolName', 'enrollment.schoolName'),
  c('DistrictID', 'enrollment.districtId'),
  c('EnrollDate', 'enrollment.enrollmentDate', 'date'),
  c('WithdrawDate', 'enrollment.withdrawalDate', 'date'),
  c('Grade', 'enrollment.gradeLevel', 'crosswalk', 'mis2000/gradeLevel'),
  c('LEP', 'enrollment.lepIndicator', 'flag'),
  c('IEP', 'enrollment.iepIndicator', 'flag'),
  c('PFS', 'enrollment.priorityForServices', 'flag'),
  c('Immunization', 'enrollment.immunizationRecordFlag', 'flag'),
  c('MedAlert', 'enrollment.medicalAlert', 'crosswalk', 'mis2000/medicalAlert'),
];

export const REQUIRED_COLUMNS = ['StudentID', 'LastName', 'FirstName', 'BirthDate'] as const;

export const CROSSWALK_IDS = [...new Set(COLUMNS.flatMap((col) => (col.crosswalk ? [col.crosswalk] : [])))];

/** Vendor action codes: A(dd), C(hange), D(elete). M (merge) is a request this exchange does not take by file. */
export const ACTION_IN = { A: 'insert', C: 'update', D: 'delete' } as const;
export const ACTION_OUT = { insert: 'A', update: 'C', delete: 'D' } as const;
