/**
 * Ed-Fi documents of one student -> that student's canonical StateRecord.
 * The canonical record of a state is rebuilt from everything the state sent
 * through the Ed-Fi surface for the child, so a write to any one resource
 * (an enrollment, a transcript line) becomes an update of the one record the
 * matcher and the consolidated view use. Pure: no I/O, the crosswalks come in.
 *
 * Every canonical field remembers the Ed-Fi document and JSON path it came
 * from (`provenance`), so a canonical rule a record breaks can be reported
 * against what the client sent.
 */
import {
  type AssessmentT,
  type CourseT,
  type EnrollmentT,
  type IdentityT,
  type QualifyingMoveT,
  type StateRecord,
  isMsixId,
} from '@msix/adapter-sdk/canonical';
import { resourceNamed } from '../../specs/edfi/catalog.js';
import { codeValueOf } from '../../specs/edfi/descriptors.js';
import type { Crosswalk } from '../../mappings/index.js';
import type { EdfiCrosswalks } from './crosswalks.js';
import { identityKey, references } from './keys.js';

/** An Ed-Fi document as the mapping needs it. */
export interface EdfiDoc {
  id: string;
  resource: string;
  body: Record<string, unknown>;
  updatedAt: string;
}

/** What the mapping reads: the student's own documents and the documents they reference, by key. */
export interface StudentDocSet {
  stateCode: string;
  studentUniqueId: string;
  /** Student-scoped documents of this student, the Student itself included when it exists. */
  docs: readonly EdfiDoc[];
  /** Referenced documents (schools, LEAs, courses, assessments) by identity key and alias key. */
  refs: ReadonlyMap<string, EdfiDoc>;
}

/** A problem found while mapping, located in the Ed-Fi document that caused it. */
export interface SourceIssue {
  resource: string;
  docId: string;
  /** JSON path in that document (`$.entryGradeLevelDescriptor`). */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** Where a part of the canonical record came from: `pointer` is a canonical JSON pointer (`/enrollments/2`). */
export interface Provenance {
  pointer: string;
  resource: string;
  docId: string;
  /** Canonical field -> Ed-Fi JSON path in that document. */
  fields: Record<string, string>;
}

export type CanonicalBuild =
  | { kind: 'record'; record: StateRecord; provenance: Provenance[]; warnings: SourceIssue[] }
  /** The Student is gone: the state's canonical record is withdrawn. */
  | { kind: 'withdraw' }
  | { kind: 'invalid'; issues: SourceIssue[]; warnings: SourceIssue[] };

type Body = Record<string, unknown>;
type AlternateIdT = NonNullable<StateRecord['alternateIds']>[number];
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const obj = (v: unknown): Body | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Body) : undefined;
const arr = (v: unknown): Body[] => (Array.isArray(v) ? (v.filter((x) => obj(x)) as Body[]) : []);
const round2 = (n: number) => Math.round(n * 100) / 100;

const IDENTITY_FIELDS: Record<string, string> = {
  firstName: '$.firstName',
  middleName: '$.middleName',
  lastName1: '$.lastSurname',
  suffix: '$.generationCodeSuffix',
  birthDate: '$.birthDate',
  multipleBirth: '$.multipleBirthStatus',
  birthCity: '$.birthCity',
  birthState: '$.birthStateAbbreviationDescriptor',
  birthCountry: '$.birthCountryDescriptor',
};
const ENROLLMENT_FIELDS: Record<string, string> = {
  enrollmentDate: '$.entryDate',
  withdrawalDate: '$.exitWithdrawDate',
  gradeLevel: '$.entryGradeLevelDescriptor',
  enrollmentType: '$.enrollmentTypeDescriptor',
  schoolId: '$.schoolReference',
  schoolName: '$.schoolReference',
  districtId: '$.schoolReference',
  districtName: '$.schoolReference',
};
const MOVE_FIELDS: Record<string, string> = {
  qualifyingArrivalDate: '$.qualifyingArrivalDate',
  eligibilityExpirationDate: '$.eligibilityExpirationDate',
};
const COURSE_FIELDS: Record<string, string> = {
  courseTitle: '$.courseTitle',
  creditsGranted: '$.earnedCredits',
  finalGrade: '$.finalLetterGradeEarned',
  termType: '$.studentAcademicRecordReference.termDescriptor',
  beginAcademicYear: '$.studentAcademicRecordReference.schoolYear',
  endAcademicYear: '$.studentAcademicRecordReference.schoolYear',
};
const ASSESSMENT_FIELDS: Record<string, string> = {
  administrationDate: '$.administrationDate',
  scoreResults: '$.scoreResults',
  title: '$.assessmentReference',
};

/**
 * The MSIX id arrives as a student identification code of the Ed-Fi system
 * `National Migrant`, or of the gateway's own system (what the Ed-Fi XML
 * adapter writes and reads by default).
 */
const MSIX_ID_SYSTEMS = new Set(['uri://msix-gateway.org/studentidentificationsystemdescriptor#msix']);

/** Ed-Fi LimitedEnglishProficiency: "Limited" is an English learner now; the "Monitored" values are former learners. */
const LEP_TRUE = new Set(['limited']);

class Mapper {
  readonly issues: SourceIssue[] = [];
  readonly warnings: SourceIssue[] = [];
  readonly provenance: Provenance[] = [];
  private readonly byKey = new Map<string, EdfiDoc>();

  constructor(private readonly set: StudentDocSet) {
    for (const d of set.docs) this.byKey.set(identityKey(resourceNamed(d.resource), d.body), d);
  }

  note(doc: EdfiDoc, path: string, message: string, severity: 'error' | 'warning') {
    (severity === 'error' ? this.issues : this.warnings).push({
      resource: doc.resource,
      docId: doc.id,
      path,
      message,
      severity,
    });
  }

  /**
   * Maps a descriptor through a crosswalk; an unmapped value is an error when the canonical field is required, else a
   * warning.
   */
  code(cw: Crosswalk, doc: EdfiDoc, path: string, value: unknown, required: boolean): string | undefined {
    const v = str(value);
    if (v === undefined) return undefined;
    const r = cw.map(v);
    if (r.kind === 'ok') return r.code;
    const near = r.nearest.map((e) => `${cw.file.namespace}#${e.from}`).join(', ');
    this.note(
      doc,
      path,
      required
        ? `'${v}' has no equivalent in the MSIX ${cw.file.target.codeset} code set (crosswalk ${cw.id} ` +
            `v${cw.version}), so the record cannot be exchanged. Use a value that maps, e.g. ${near}.`
        : `'${v}' has no equivalent in the MSIX ${cw.file.target.codeset} code set (crosswalk ${cw.id} ` +
            `v${cw.version}); the field is left out of the canonical record.`,
      required ? 'error' : 'warning',
    );
    return undefined;
  }

  /** Cuts text to a canonical length, with a warning (Ed-Fi allows longer names than MSIX). */
  text(doc: EdfiDoc, path: string, value: unknown, max: number): string | undefined {
    const v = str(value)?.trim();
    if (v === undefined) return undefined;
    if (v.length <= max) return v;
    this.note(
      doc,
      path,
      `is longer than the ${max} characters MSIX keeps; the canonical record has the first ${max}.`,
      'warning',
    );
    return v.slice(0, max).trimEnd();
  }

  /** The document a reference property of `doc` points at (student documents first, then reference data). */
  follow(doc: EdfiDoc, property: string): EdfiDoc | undefined {
    const def = resourceNamed(doc.resource);
    const ref = references(def, doc.body).find((r) => r.property === property);
    if (!ref) return undefined;
    return this.byKey.get(ref.key) ?? this.set.refs.get(ref.key);
  }

  docsOf(resource: string): EdfiDoc[] {
    return this.set.docs.filter((d) => d.resource === resource);
  }
}

/**
 * The NCES id of an education organization (identification code under the NCES system) when it has the expected digits.
 */
function ncesId(edorg: EdfiDoc | undefined, digits: number): string | undefined {
  for (const c of arr(edorg?.body.identificationCodes)) {
    const system = codeValueOf(String(c.educationOrganizationIdentificationSystemDescriptor ?? ''))?.toUpperCase();
    const code = str(c.identificationCode)?.trim();
    if (system === 'NCES' && code && new RegExp(`^\\d{${digits}}$`).test(code)) return code;
  }
  return undefined;
}

function within(date: string, begin: string | undefined, end: string | undefined): boolean {
  return (!begin || begin <= date) && (!end || date <= end);
}

function identity(m: Mapper, s: EdfiDoc, seoas: EdfiDoc[], cw: EdfiCrosswalks): IdentityT {
  const b = s.body;
  const latestSeoaSex = [...seoas]
    .sort((a, c) => (a.updatedAt < c.updatedAt ? 1 : -1))
    .find((d) => str(d.body.sexDescriptor));
  const sex = latestSeoaSex
    ? m.code(cw.sex, latestSeoaSex, '$.sexDescriptor', latestSeoaSex.body.sexDescriptor, false)
    : m.code(cw.sex, s, '$.birthSexDescriptor', b.birthSexDescriptor, false);
  const out: IdentityT = {
    firstName: m.text(s, '$.firstName', b.firstName, 50) ?? '',
    lastName1: m.text(s, '$.lastSurname', b.lastSurname, 50) ?? '',
    birthDate: String(b.birthDate),
  };
  const middle = m.text(s, '$.middleName', b.middleName, 50);
  if (middle) out.middleName = middle;
  const suffix = m.text(s, '$.generationCodeSuffix', b.generationCodeSuffix, 10);
  if (suffix) out.suffix = suffix;
  if (sex) out.sex = sex;
  if (typeof b.multipleBirthStatus === 'boolean') out.multipleBirth = b.multipleBirthStatus;
  const city = m.text(s, '$.birthCity', b.birthCity, 30);
  if (city) out.birthCity = city;
  const state = m.code(
    cw.stateAbbreviation,
    s,
    '$.birthStateAbbreviationDescriptor',
    b.birthStateAbbreviationDescriptor,
    false,
  );
  if (state) out.birthState = state;
  const country = m.code(cw.country, s, '$.birthCountryDescriptor', b.birthCountryDescriptor, false);
  if (country) out.birthCountry = country;
  return out;
}

function identificationCodes(m: Mapper, seoas: EdfiDoc[]): { msixId?: string; alternateIds: AlternateIdT[] } {
  let msixId: string | undefined;
  const alternateIds: AlternateIdT[] = [];
  const seen = new Set<string>();
  for (const d of seoas) {
    arr(d.body.studentIdentificationCodes).forEach((c, i) => {
      const systemUri = String(c.studentIdentificationSystemDescriptor ?? '')
        .trim()
        .toLowerCase();
      const system = codeValueOf(systemUri) ?? '';
      const code = str(c.identificationCode)?.trim();
      if (!code) return;
      if (
        MSIX_ID_SYSTEMS.has(systemUri) ||
        (system === 'national migrant' && systemUri.startsWith('uri://ed-fi.org/'))
      ) {
        if (isMsixId(code)) msixId = code;
        else
          m.note(
            d,
            `$.studentIdentificationCodes[${i}].identificationCode`,
            'is not a valid 12-digit MSIX id (check digit); it is not used as the MSIX id.',
            'warning',
          );
        return;
      }
      // 01 state-assigned, 02 assigned by the state migrant program, 03 any other system.
      const type: AlternateIdT['type'] = system === 'state' ? '01' : system === 'state migrant' ? '02' : '03';
      if (code.length > 32 || seen.has(`${type}|${code}`) || alternateIds.length >= 20) return;
      seen.add(`${type}|${code}`);
      alternateIds.push({ id: code, type });
    });
  }
  return { ...(msixId ? { msixId } : {}), alternateIds };
}

/** Maps one student's Ed-Fi documents to the canonical record of the state. */
export function buildStateRecord(set: StudentDocSet, cw: EdfiCrosswalks): CanonicalBuild {
  const m = new Mapper(set);
  const student = m.docsOf('students')[0];
  if (!student) return { kind: 'withdraw' };
  const seoas = m.docsOf('studentEducationOrganizationAssociations');
  const smepas = m
    .docsOf('studentMigrantEducationProgramAssociations')
    .sort((a, b) => String(a.body.beginDate).localeCompare(String(b.body.beginDate)));

  m.provenance.push({ pointer: '/identity', resource: 'students', docId: student.id, fields: IDENTITY_FIELDS });
  const record: StateRecord = {
    stateCode: set.stateCode,
    stateStudentId: set.studentUniqueId,
    identity: identity(m, student, seoas, cw),
  };
  const ids = identificationCodes(m, seoas);
  if (ids.msixId) record.msixId = ids.msixId;
  if (ids.alternateIds.length) record.alternateIds = ids.alternateIds;

  // Qualifying moves: one per Migrant Education Program association.
  const moves: QualifyingMoveT[] = [];
  for (const d of smepas) {
    const qad = str(d.body.qualifyingArrivalDate) ?? str(d.body.lastQualifyingMove);
    if (!qad || moves.some((x) => x.qualifyingArrivalDate === qad)) continue;
    const move: QualifyingMoveT = { qualifyingArrivalDate: qad };
    const eed = str(d.body.eligibilityExpirationDate);
    if (eed) move.eligibilityExpirationDate = eed;
    m.provenance.push({
      pointer: `/qualifyingMoves/${moves.length}`,
      resource: d.resource,
      docId: d.id,
      fields: {
        ...MOVE_FIELDS,
        ...(str(d.body.qualifyingArrivalDate) ? {} : { qualifyingArrivalDate: '$.lastQualifyingMove' }),
      },
    });
    moves.push(move);
  }
  if (moves.length) record.qualifyingMoves = moves;

  // Enrollments: one per school association, with the migrant program facts of the period it falls in.
  const lepDoc = [...seoas]
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))
    .find((d) => str(d.body.limitedEnglishProficiencyDescriptor));
  const lep = lepDoc
    ? LEP_TRUE.has((codeValueOf(String(lepDoc.body.limitedEnglishProficiencyDescriptor)) ?? '').toLowerCase())
    : undefined;
  const ssas = m
    .docsOf('studentSchoolAssociations')
    .sort((a, b) => String(a.body.entryDate).localeCompare(String(b.body.entryDate)));
  const enrollments: EnrollmentT[] = [];
  for (const d of ssas) {
    const b = d.body;
    const school = m.follow(d, 'schoolReference');
    const lea = school ? m.follow(school, 'localEducationAgencyReference') : undefined;
    const gradeLevel = m.code(cw.gradeLevel, d, '$.entryGradeLevelDescriptor', b.entryGradeLevelDescriptor, true);
    const typeUri = str(b.enrollmentTypeDescriptor);
    const gatewayType = typeUri?.toLowerCase().startsWith(`${cw.enrollmentType.file.namespace!.toLowerCase()}#`);
    const enrollmentType = gatewayType
      ? m.code(cw.enrollmentType, d, '$.enrollmentTypeDescriptor', typeUri, true)
      : '01';
    if (!gradeLevel || !enrollmentType) continue;
    const e: EnrollmentT = { enrollmentDate: String(b.entryDate), enrollmentType, gradeLevel };
    const exit = str(b.exitWithdrawDate);
    if (exit) e.withdrawalDate = exit;
    const schoolName = school && m.text(school, '$.nameOfInstitution', school.body.nameOfInstitution, 100);
    if (schoolName) e.schoolName = schoolName;
    const schoolNces = ncesId(school, 12);
    if (schoolNces) e.schoolId = schoolNces;
    const leaNces = ncesId(lea, 7);
    if (leaNces) e.districtId = leaNces;
    const leaName = lea && m.text(lea, '$.nameOfInstitution', lea.body.nameOfInstitution, 60);
    if (leaName) e.districtName = leaName;
    const address =
      school &&
      (arr(school.body.addresses).find((a) => /#physical$/i.test(String(a.addressTypeDescriptor))) ??
        arr(school.body.addresses)[0]);
    if (school && address) {
      const city = m.text(school, '$.addresses', address.city, 30);
      if (city) e.facilityCity = city;
      const st = m.code(cw.stateAbbreviation, school, '$.addresses', address.stateAbbreviationDescriptor, false);
      if (st) e.facilityState = st;
    }
    if (lep !== undefined) e.lepIndicator = lep;
    const until = exit ?? '9999-12-31';
    const mep = [...smepas]
      .reverse()
      .find(
        (p) =>
          String(p.body.beginDate) <= until && (!str(p.body.endDate) || String(p.body.endDate) >= e.enrollmentDate),
      );
    const fields: Record<string, string> = { ...ENROLLMENT_FIELDS };
    if (mep) {
      if (typeof mep.body.priorityForServices === 'boolean') e.priorityForServices = mep.body.priorityForServices;
      const cos = m.code(
        cw.continuationOfServices,
        mep,
        '$.continuationOfServicesReasonDescriptor',
        mep.body.continuationOfServicesReasonDescriptor,
        false,
      );
      if (cos) e.continuationOfServicesReason = cos;
      const residency = str(mep.body.stateResidencyDate);
      if (residency) e.residencyDate = residency;
    }
    m.provenance.push({ pointer: `/enrollments/${enrollments.length}`, resource: d.resource, docId: d.id, fields });
    enrollments.push(e);
  }

  // Graduation: a diploma on any academic record marks the enrollment it falls in (else the latest one).
  const diploma = m
    .docsOf('studentAcademicRecords')
    .flatMap((d) => arr(d.body.diplomas).map((x) => str(x.diplomaAwardDate)))
    .filter((x): x is string => !!x)
    .sort()[0];
  if (diploma && enrollments.length) {
    const target =
      [...enrollments].reverse().find((e) => within(diploma, e.enrollmentDate, e.withdrawalDate)) ??
      enrollments[enrollments.length - 1]!;
    target.graduationIndicator = true;
    target.graduationDate = diploma;
  }
  if (enrollments.length) record.enrollments = enrollments;

  // Courses: one per course transcript, dated by its academic record's school year and term.
  const courses: CourseT[] = [];
  for (const d of m.docsOf('courseTranscripts')) {
    const b = d.body;
    const sar = m.follow(d, 'studentAcademicRecordReference');
    const course = m.follow(d, 'courseReference');
    const schoolYear = Number(obj(b.studentAcademicRecordReference)?.schoolYear);
    const title = m.text(
      d,
      str(b.courseTitle) ? '$.courseTitle' : '$.courseReference',
      str(b.courseTitle) ?? course?.body.courseTitle,
      50,
    );
    if (!title) {
      m.note(
        d,
        '$.courseTitle',
        'has no title (neither here nor on the course), so it cannot be a canonical course; it is kept in Ed-Fi only.',
        'warning',
      );
      continue;
    }
    const c: CourseT = { courseTitle: title, beginAcademicYear: schoolYear - 1, endAcademicYear: schoolYear };
    const subject = arr(b.academicSubjects)[0] ?? arr(course?.body.academicSubjects)[0];
    const subjectName = subject && codeValueOf(String(subject.academicSubjectDescriptor));
    if (subjectName) c.subjectArea = subjectName.slice(0, 50);
    const level =
      course &&
      arr(course.body.levelCharacteristics)
        .map((l) => cw.courseLevel.map(String(l.courseLevelCharacteristicDescriptor)))
        .find((r) => r.kind === 'ok');
    if (level && level.kind === 'ok') c.courseType = level.code;
    const term =
      sar && m.code(cw.termType, d, '$.studentAcademicRecordReference.termDescriptor', sar.body.termDescriptor, false);
    if (term) c.termType = term;
    if (typeof b.earnedCredits === 'number') {
      if (b.earnedCredits <= 9.99) c.creditsGranted = round2(b.earnedCredits);
      else
        m.note(
          d,
          '$.earnedCredits',
          'is more than the 9.99 credits an MSIX course can carry; the canonical course has no credits.',
          'warning',
        );
    }
    const grade =
      str(b.finalLetterGradeEarned) ??
      (typeof b.finalNumericGradeEarned === 'number' ? String(b.finalNumericGradeEarned) : undefined);
    const finalGrade = grade && m.text(d, '$.finalLetterGradeEarned', grade, 10);
    if (finalGrade) c.finalGrade = finalGrade;
    const edorg = sar ? m.follow(sar, 'educationOrganizationReference') : undefined;
    const nces = ncesId(edorg?.resource === 'schools' ? edorg : undefined, 12);
    if (nces) c.schoolId = nces;
    m.provenance.push({
      pointer: `/courses/${courses.length}`,
      resource: d.resource,
      docId: d.id,
      fields: COURSE_FIELDS,
    });
    courses.push(c);
  }
  if (courses.length) record.courses = courses;

  // Assessments: one per student assessment whose assessment has a category MSIX knows.
  const assessments: AssessmentT[] = [];
  for (const d of m.docsOf('studentAssessments')) {
    const b = d.body;
    const a = m.follow(d, 'assessmentReference');
    const when = str(b.administrationDate);
    const type =
      a &&
      m.code(cw.assessmentCategory, a, '$.assessmentCategoryDescriptor', a.body.assessmentCategoryDescriptor, false);
    if (!a || !when || !type) {
      m.note(
        d,
        !when ? '$.administrationDate' : '$.assessmentReference',
        !when
          ? 'is absent: MSIX needs the month of the assessment, so this result stays in Ed-Fi only.'
          : 'names an assessment without an MSIX assessment type (its assessmentCategoryDescriptor), so ' +
              'this result stays in Ed-Fi only.',
        'warning',
      );
      continue;
    }
    const x: AssessmentT = {
      title:
        m.text(a, '$.assessmentTitle', a.body.assessmentTitle, 55) ?? String(a.body.assessmentIdentifier).slice(0, 55),
      assessmentType: type,
      administrationDate: when.slice(0, 7),
    };
    const content = codeValueOf(String(arr(a.body.academicSubjects)[0]?.academicSubjectDescriptor ?? ''));
    if (content) x.content = content.slice(0, 35);
    const score = str(arr(b.scoreResults)[0]?.result);
    if (score) x.scoreResults = score.slice(0, 40);
    const level = arr(b.performanceLevels)[0];
    const interpretation =
      level &&
      m.code(
        cw.performanceLevel,
        d,
        '$.performanceLevels[0].performanceLevelDescriptor',
        level.performanceLevelDescriptor,
        false,
      );
    if (interpretation) x.interpretation = interpretation;
    m.provenance.push({
      pointer: `/assessments/${assessments.length}`,
      resource: d.resource,
      docId: d.id,
      fields: ASSESSMENT_FIELDS,
    });
    assessments.push(x);
  }
  if (assessments.length) record.assessments = assessments;

  if (m.issues.length) return { kind: 'invalid', issues: m.issues, warnings: m.warnings };
  return { kind: 'record', record, provenance: m.provenance, warnings: m.warnings };
}

/** Where a canonical field issue points in the Ed-Fi documents (the deepest provenance that contains it). */
export function locate(
  provenance: readonly Provenance[],
  pointer: string,
): { resource: string; docId: string; path: string } | null {
  let best: Provenance | undefined;
  for (const p of provenance) {
    if (
      (pointer === p.pointer || pointer.startsWith(`${p.pointer}/`)) &&
      (!best || p.pointer.length > best.pointer.length)
    )
      best = p;
  }
  if (!best) return null;
  const field = pointer.slice(best.pointer.length + 1).split('/')[0] ?? '';
  return { resource: best.resource, docId: best.docId, path: best.fields[field] ?? '$' };
}
