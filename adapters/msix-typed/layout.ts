/**
 * The MSIX-style typed-record layout, as data: one definition per record type,
 * each field with its canonical key and how its value is written. Parser and
 * formatter both read these tables, so the two cannot drift apart.
 */

export type FieldKind = 'text' | 'date' | 'flag' | 'int' | 'decimal' | 'monthYear';

export interface FieldDef {
  /** Name in the layout (and in issue `sourceField`, prefixed with the record type). */
  name: string;
  /** Key in the canonical object; absent for layout-only fields. */
  key?: string;
  kind: FieldKind;
}

export type ChildType = 'ALT' | 'DEM' | 'PAR' | 'QMV' | 'ENR' | 'CRS' | 'ASM';
export type RecordType = 'HDR' | 'STU' | ChildType;

/** Canonical array (or object, for DEM) each child record type fills. */
export const CHILD_TARGET: Record<ChildType, string> = {
  ALT: 'alternateIds',
  DEM: 'identity',
  PAR: 'parents',
  QMV: 'qualifyingMoves',
  ENR: 'enrollments',
  CRS: 'courses',
  ASM: 'assessments',
};

const t = (name: string, key = name): FieldDef => ({ name, key, kind: 'text' });
const d = (name: string, key = name): FieldDef => ({ name, key, kind: 'date' });
const f = (name: string, key = name): FieldDef => ({ name, key, kind: 'flag' });

export const HEADER_FIELDS = [
  'submittingState',
  'submissionDate',
  'totalStudents',
  'totalRecords',
  'beginEffectiveDate',
  'endEffectiveDate',
] as const;

export const STUDENT_FIELDS = [
  'studentRecordId',
  'reportingState',
  'stateStudentId',
  'stateStudentIdType',
  'actionCode',
  'msixId',
] as const;

/** Fields of each child record after `type|studentRecordId|recordId`. */
export const CHILD_FIELDS: Record<ChildType, FieldDef[]> = {
  ALT: [t('alternateId', 'id'), t('alternateIdType', 'type')],
  DEM: [
    t('firstName'),
    t('middleName'),
    t('lastName1'),
    t('lastName2'),
    t('suffix'),
    t('sex'),
    d('birthDate'),
    f('multipleBirth'),
    t('birthDateVerification'),
    t('birthCity'),
    t('birthState'),
    t('birthCountry'),
  ],
  PAR: [
    { name: 'relationship', key: 'relationship', kind: 'text' },
    t('firstName'),
    t('lastName'),
    t('email'),
    t('phone'),
  ],
  QMV: [
    d('qualifyingArrivalDate'),
    t('fromCity'),
    t('fromState'),
    t('fromCountry'),
    t('toCity'),
    t('toState'),
    d('eligibilityExpirationDate'),
  ],
  ENR: [
    d('enrollmentDate'),
    d('withdrawalDate'),
    t('enrollmentType'),
    t('schoolName'),
    t('schoolId'),
    t('districtId'),
    t('districtName'),
    t('mepProjectType'),
    t('facilityCity'),
    t('facilityState'),
    t('gradeLevel'),
    f('lepIndicator'),
    f('iepIndicator'),
    f('priorityForServices'),
    f('immunizationRecordFlag'),
    t('medicalAlert'),
    t('continuationOfServicesReason'),
    f('algebra1Indicator'),
    f('graduationIndicator'),
    d('graduationDate'),
    f('outOfStateTranscript'),
    d('residencyDate'),
    t('designatedGraduationSchoolId'),
    t('comment'),
  ],
  CRS: [
    t('courseTitle'),
    t('subjectArea'),
    t('courseType'),
    t('courseSection'),
    t('termType'),
    { name: 'beginAcademicYear', key: 'beginAcademicYear', kind: 'int' },
    { name: 'endAcademicYear', key: 'endAcademicYear', kind: 'int' },
    { name: 'clockHours', key: 'clockHours', kind: 'int' },
    t('gradeToDate'),
    { name: 'creditsGranted', key: 'creditsGranted', kind: 'decimal' },
    t('finalGrade'),
    t('schoolId'),
  ],
  ASM: [
    t('title'),
    t('content'),
    t('assessmentType'),
    { name: 'administrationDate', key: 'administrationDate', kind: 'monthYear' },
    t('reportingMethod'),
    t('scoreResults'),
    t('interpretation'),
  ],
};

/** Parent relationship codes in the file: 1 and 2 are the MSIX "Parent 1/2", G a guardian. */
export const RELATIONSHIP_IN = { '1': 'parent1', '2': 'parent2', G: 'guardian' } as const;
export const RELATIONSHIP_OUT = { parent1: '1', parent2: '2', guardian: 'G' } as const;

export const ACTION_IN = { I: 'insert', U: 'update', D: 'delete' } as const;
export const ACTION_OUT = { insert: 'I', update: 'U', delete: 'D' } as const;

/** Number of `|`-separated fields per record type, including the type itself. */
export function fieldCount(type: RecordType): number {
  if (type === 'HDR') return 1 + HEADER_FIELDS.length;
  if (type === 'STU') return 1 + STUDENT_FIELDS.length;
  return 3 + CHILD_FIELDS[type].length;
}

/** Splits a line on unescaped `|`; `\|` is a literal bar, `\\` a backslash, `\n` a newline. */
export function splitFields(line: string): string[] {
  if (!line.includes('\\')) return line.split('|');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      const n = line[++i]!;
      cur += n === 'n' ? '\n' : n === 'r' ? '\r' : n;
    } else if (c === '|') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Escapes one value for the layout. */
export function escapeField(v: string): string {
  return /[|\\\n\r]/.test(v)
    ? v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : v;
}
