/**
 * The canonical ⇄ SIF NA 4.x mapping, as data: for each SIF object, which element or attribute (a path of names
 * from the object, `@` for attributes) holds which canonical field, of what kind, through which crosswalk. The engine
 * (map.ts) applies it both ways; docs/sif.md prints it as the per-field table; the round-trip test proves it on the
 * specification's examples. Elements not listed here are kept as sent (the stored object) but not mapped.
 */
import type { SifObjectName } from '../../specs/sif/objects.js';

/** How a value is read and written: text as is, a date, a Yes/No flag, a decimal, a year, a crosswalked code. */
export type SifFieldKind = 'text' | 'date' | 'flag' | 'number' | 'year' | 'code';

export interface SifFieldRule {
  /** Path in the SIF object, e.g. `Name/FirstName`, `Demographics/Gender`, `@SchoolYear`. */
  sif: string;
  /** Canonical field in the object's fragment, e.g. `identity.firstName`, `enrollment.gradeLevel`. */
  canonical: string;
  kind: SifFieldKind;
  /** Crosswalk id for `code` fields (mappings/crosswalks/sif/*.json). */
  crosswalk?: string;
  /** Read from here when `sif` is absent (never written). */
  fallback?: string;
  /** Read only: derived values that are not written back (the writer leaves the element to the other rule). */
  readOnly?: boolean;
  /** Added to a year on read and subtracted on write (SIF SchoolYear is the year a school year ends). */
  yearOffset?: number;
  /** What the field means for a reader of docs/sif.md. */
  note?: string;
}

/** A repeated structure mapped to a canonical list (course history terms and their courses). */
export interface SifListRule {
  /** Path to the repeating outer element, e.g. `CourseHistory/Term`. */
  outer: string;
  /** Path inside each outer element to the repeating item, e.g. `Courses/Course`. */
  inner: string;
  /** The canonical list, e.g. `courses`. */
  canonical: string;
  /** Rules read from the outer element and copied to each item (relative to the outer element). */
  outerFields: SifFieldRule[];
  /** Rules for each item (relative to the item). */
  fields: SifFieldRule[];
}

export interface SifObjectMapping {
  /** References to other objects (not canonical fields): the student, the school. */
  refs: { student?: string; school?: string; lea?: string };
  fields: SifFieldRule[];
  lists?: SifListRule[];
  /**
   * The writes a consumer may make (the CREATE, UPDATE and DELETE rights of the service in an environment; QUERY and
   * SUBSCRIBE are always approved). Empty for objects the gateway serves but does not take in (SchoolInfo, LEAInfo).
   */
  writes: readonly SifOperation[];
}

/** A write operation on a SIF object service, as the environment's rights name it. */
export type SifOperation = 'CREATE' | 'UPDATE' | 'DELETE';

const ALL_WRITES: readonly SifOperation[] = ['CREATE', 'UPDATE', 'DELETE'];

export const SIF_MAPPINGS: Record<SifObjectName, SifObjectMapping> = {
  StudentPersonal: {
    writes: ALL_WRITES,
    refs: {},
    fields: [
      {
        sif: 'StateProvinceId',
        canonical: 'stateStudentId',
        kind: 'text',
        fallback: 'LocalId',
        note: "The state's student id (MSIX state student id); LocalId when StateProvinceId is absent.",
      },
      { sif: 'Name/FirstName', canonical: 'identity.firstName', kind: 'text' },
      { sif: 'Name/MiddleName', canonical: 'identity.middleName', kind: 'text' },
      {
        sif: 'Name/LastName',
        canonical: 'identity.lastName1',
        kind: 'text',
        note: 'The whole surname; the matcher splits Hispanic two-part surnames itself.',
      },
      { sif: 'Name/Suffix', canonical: 'identity.suffix', kind: 'text' },
      { sif: 'Demographics/Gender', canonical: 'identity.sex', kind: 'code', crosswalk: 'sif/sex' },
      { sif: 'Demographics/BirthDate', canonical: 'identity.birthDate', kind: 'date' },
      { sif: 'Demographics/PlaceOfBirth', canonical: 'identity.birthCity', kind: 'text' },
    ],
  },
  StudentSchoolEnrollment: {
    writes: ALL_WRITES,
    refs: { student: '@StudentPersonalRefId', school: '@SchoolInfoRefId' },
    fields: [
      { sif: 'EntryDate', canonical: 'enrollment.enrollmentDate', kind: 'date' },
      { sif: 'GradeLevel/Code', canonical: 'enrollment.gradeLevel', kind: 'code', crosswalk: 'sif/gradeLevel' },
      { sif: 'ExitDate', canonical: 'enrollment.withdrawalDate', kind: 'date' },
    ],
  },
  StudentSectionEnrollment: {
    writes: ALL_WRITES,
    refs: { student: '@StudentPersonalRefId' },
    fields: [],
  },
  StudentMigrant: {
    writes: ALL_WRITES,
    refs: { student: '@StudentInfoRefId' },
    fields: [
      {
        sif: 'PrioritizedForServices',
        canonical: 'program.priorityForServices',
        kind: 'flag',
        note: 'Priority for services (ESEA 1304(d)); Yes or No.',
      },
      { sif: 'QualifyingArrivalDate', canonical: 'move.qualifyingArrivalDate', kind: 'date' },
      { sif: 'ProgramStartDate', canonical: 'program.startDate', kind: 'date' },
      { sif: 'ProgramExitDate', canonical: 'program.exitDate', kind: 'date' },
      {
        sif: 'ContinuationOfServicesReason',
        canonical: 'program.continuationOfServicesReason',
        kind: 'code',
        crosswalk: 'sif/continuationOfServices',
      },
      {
        sif: 'ExpirationDate',
        canonical: 'move.eligibilityExpirationDate',
        kind: 'date',
        note: 'Eligibility ends: QAD + 36 months, or earlier.',
      },
      { sif: 'EnrollmentType', canonical: 'program.enrollmentType', kind: 'code', crosswalk: 'sif/enrollmentType' },
    ],
  },
  StudentAcademicRecord: {
    writes: ALL_WRITES,
    refs: { student: '@SIF_RefId' },
    fields: [],
    lists: [
      {
        outer: 'CourseHistory/Term',
        inner: 'Courses/Course',
        canonical: 'courses',
        outerFields: [
          {
            sif: 'TermInfoData/SchoolYear',
            canonical: 'endAcademicYear',
            kind: 'year',
            note: 'SIF SchoolYear is the calendar year in which the school year ends.',
          },
          {
            sif: 'TermInfoData/SchoolYear',
            canonical: 'beginAcademicYear',
            kind: 'year',
            yearOffset: -1,
            readOnly: true,
          },
        ],
        fields: [
          { sif: 'SchoolCourseInfoData/CourseTitle', canonical: 'courseTitle', kind: 'text' },
          {
            sif: 'SchoolCourseInfoData/SubjectAreaList/SubjectArea/Code',
            canonical: 'subjectArea',
            kind: 'text',
          },
          { sif: 'MarkingPeriods/MarkingPeriod/MarkData/Letter', canonical: 'finalGrade', kind: 'text' },
          {
            sif: 'MarkingPeriods/MarkingPeriod/CourseCreditsEarned',
            canonical: 'creditsGranted',
            kind: 'number',
          },
        ],
      },
    ],
  },
  StudentRecordExchange: {
    // Consumers create them to ask for a child's records (a record request, gateway/sif/exchanges.ts); the gateway
    // sends them as queue events for move notices and record answers. Never updated or deleted over SIF.
    writes: ['CREATE'],
    refs: { student: 'StudentPersonalRefId' },
    fields: [],
  },
  SchoolInfo: {
    writes: [],
    refs: { lea: 'LEAInfoRefId' },
    fields: [
      { sif: 'NCESId', canonical: 'school.schoolId', kind: 'text' },
      { sif: 'SchoolName', canonical: 'school.schoolName', kind: 'text' },
    ],
  },
  LEAInfo: {
    writes: [],
    refs: {},
    fields: [
      { sif: 'NCESId', canonical: 'lea.districtId', kind: 'text' },
      { sif: 'LEAName', canonical: 'lea.districtName', kind: 'text' },
    ],
  },
};
