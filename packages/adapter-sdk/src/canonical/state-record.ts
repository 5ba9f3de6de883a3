import { Type, type Static } from 'typebox';
import {
  AcademicYear,
  Code,
  DateString,
  Flag,
  MsixIdSchema,
  NcesDistrictId,
  NcesSchoolId,
  Opt,
  PersonName,
  PlaceName,
  StateCodeSchema,
  Text,
} from './common.js';

/** Identity and demographics: the fields matching uses. */
export const Identity = Type.Object(
  {
    firstName: PersonName(50),
    middleName: Opt(PersonName(50)),
    lastName1: PersonName(50, 'Paternal surname, or the first part of a compound surname.'),
    lastName2: Opt(PersonName(50, 'Maternal surname, or the second part of a compound surname.')),
    suffix: Opt(PlaceName(10)),
    sex: Opt(Code('sex')),
    birthDate: DateString(),
    multipleBirth: Opt(Flag('Twin, triplet…: keeps siblings with one birth date apart.')),
    birthDateVerification: Opt(Code('birthDateVerification')),
    birthCity: Opt(PlaceName(30)),
    birthState: Opt(Text(2)),
    birthCountry: Opt(Code('country')),
  },
  { additionalProperties: false },
);

export const Parent = Type.Object(
  {
    firstName: Opt(PersonName(50)),
    lastName: Opt(PersonName(50)),
    relationship: Opt(Type.Union([Type.Literal('parent1'), Type.Literal('parent2'), Type.Literal('guardian')])),
    email: Opt(Type.String({ format: 'email', maxLength: 50 })),
    phone: Opt(Type.String({ pattern: '^[0-9]{10}$', description: '10 digits, no punctuation.' })),
  },
  { additionalProperties: false },
);

export const QualifyingMove = Type.Object(
  {
    qualifyingArrivalDate: DateString('The day Migrant Education Program eligibility starts.'),
    fromCity: Opt(PlaceName(30)),
    fromState: Opt(Code('usState')),
    fromCountry: Opt(Code('country')),
    toCity: Opt(PlaceName(30)),
    toState: Opt(Code('usState')),
    eligibilityExpirationDate: Opt(DateString()),
  },
  { additionalProperties: false },
);

export const Enrollment = Type.Object(
  {
    enrollmentDate: DateString('First verified day of attendance or residency.'),
    withdrawalDate: Opt(DateString()),
    enrollmentType: Code('enrollmentType'),
    schoolName: Opt(Text(100)),
    schoolId: Opt(NcesSchoolId),
    districtId: Opt(NcesDistrictId),
    districtName: Opt(Text(60)),
    mepProjectType: Opt(Text(2)),
    facilityCity: Opt(PlaceName(30)),
    facilityState: Opt(Code('usState')),
    gradeLevel: Code('gradeLevel'),
    lepIndicator: Opt(Flag('English learner.')),
    iepIndicator: Opt(Flag('Has an individualized education program.')),
    priorityForServices: Opt(Flag('Failing or at risk and schooling interrupted (ESEA 1304(d)).')),
    immunizationRecordFlag: Opt(Flag('An immunization record is on file. A flag only: no health detail is ever sent.')),
    medicalAlert: Opt(Code('medicalAlert', 'A flag only: whether an alert exists, never what it is.')),
    continuationOfServicesReason: Opt(Code('continuationOfServices')),
    algebra1Indicator: Opt(Flag('Credit earned for Algebra I or an equivalent.')),
    graduationIndicator: Opt(Flag('Graduated or earned a high-school equivalency.')),
    graduationDate: Opt(DateString()),
    outOfStateTranscript: Opt(Flag('An out-of-state transcript is on file.')),
    residencyDate: Opt(DateString()),
    designatedGraduationSchoolId: Opt(NcesSchoolId),
    comment: Opt(Text(1000)),
  },
  { additionalProperties: false },
);

export const Course = Type.Object(
  {
    courseTitle: Text(50),
    subjectArea: Opt(Text(50)),
    courseType: Opt(Code('courseType')),
    courseSection: Opt(Code('courseSection')),
    termType: Opt(Code('termType')),
    beginAcademicYear: AcademicYear,
    endAcademicYear: AcademicYear,
    clockHours: Opt(Type.Integer({ minimum: 0, maximum: 9999 })),
    gradeToDate: Opt(Text(3)),
    creditsGranted: Opt(Type.Number({ minimum: 0, maximum: 9.99, multipleOf: 0.01 })),
    finalGrade: Opt(Text(10)),
    schoolId: Opt(NcesSchoolId),
  },
  { additionalProperties: false },
);

export const Assessment = Type.Object(
  {
    title: Text(55),
    content: Opt(Text(35)),
    assessmentType: Code('assessmentType'),
    administrationDate: Type.String({
      pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
      description: 'Month and year only: YYYY-MM.',
    }),
    reportingMethod: Opt(Text(4)),
    scoreResults: Opt(Text(40)),
    interpretation: Opt(Code('assessmentInterpretation')),
  },
  { additionalProperties: false },
);

export const AlternateId = Type.Object(
  // Up to 32 characters: what Ed-Fi allows for identification codes and studentUniqueId (issue 16 item 2).
  { id: Text(32), type: Type.Union([Type.Literal('01'), Type.Literal('02'), Type.Literal('03')]) },
  { additionalProperties: false },
);

/**
 * One state's submission about one child: the canonical form of every inbound
 * format (Ed-Fi JSON, SIF XML, state batch files) after its adapter ran.
 */
export const StateRecordSchema = Type.Object(
  {
    stateCode: StateCodeSchema,
    stateStudentId: Type.String({
      minLength: 1,
      // Ed-Fi's studentUniqueId is up to 32 characters; the canonical id accepts what Ed-Fi accepts.
      maxLength: 32,
      pattern: '^\\S(.*\\S)?$',
      description: "The state's own id; no leading or trailing spaces.",
    }),
    stateStudentIdType: Opt(
      Type.Union([Type.Literal('01'), Type.Literal('02')], {
        description: '01 state-assigned, 02 assigned by the state MEP.',
      }),
    ),
    msixId: Opt(MsixIdSchema),
    action: Opt(
      Type.Union([Type.Literal('insert'), Type.Literal('update'), Type.Literal('delete')], { default: 'insert' }),
    ),
    alternateIds: Opt(Type.Array(AlternateId, { maxItems: 20 })),
    identity: Identity,
    parents: Opt(Type.Array(Parent, { maxItems: 4 })),
    qualifyingMoves: Opt(Type.Array(QualifyingMove, { maxItems: 999 })),
    enrollments: Opt(Type.Array(Enrollment, { maxItems: 999 })),
    courses: Opt(Type.Array(Course, { maxItems: 999 })),
    assessments: Opt(Type.Array(Assessment, { maxItems: 999 })),
  },
  {
    $id: 'StateRecord',
    additionalProperties: false,
    title: 'StateRecord',
    description: "One state's record of one migrant child (MSIX minimum data elements).",
  },
);

export type StateRecord = Static<typeof StateRecordSchema>;
export type IdentityT = Static<typeof Identity>;
export type ParentT = Static<typeof Parent>;
export type QualifyingMoveT = Static<typeof QualifyingMove>;
export type EnrollmentT = Static<typeof Enrollment>;
export type CourseT = Static<typeof Course>;
export type AssessmentT = Static<typeof Assessment>;
