import { Type, type Static } from 'typebox';
import { Assessment, Course, Enrollment, Identity, Parent, QualifyingMove } from './state-record.js';
import { MsixIdSchema, StateCodeSchema } from './common.js';

const FromState = { stateCode: StateCodeSchema, stateStudentId: Type.String() };

/** Which state record contributed to the consolidated student, and how it was linked. */
export const LinkedRecord = Type.Object({
  ...FromState,
  recordId: Type.String(),
  linkType: Type.Union([Type.Literal('auto'), Type.Literal('manual'), Type.Literal('new')]),
  score: Type.Union([Type.Number(), Type.Null()]),
  rulesVersion: Type.String(),
  linkedAt: Type.String({ format: 'date-time' }),
  receivedAt: Type.String({ format: 'date-time' }),
});

const Tagged = <T extends typeof Enrollment | typeof Course | typeof Assessment | typeof QualifyingMove>(s: T) =>
  Type.Intersect([s, Type.Object(FromState)]);

export const CreditSummary = Type.Object({
  totalCredits: Type.Number(),
  requiredCredits: Type.Number({ description: 'Credits a diploma needs (configured; 22 by default).' }),
  remainingCredits: Type.Number(),
  bySubject: Type.Array(Type.Object({ subjectArea: Type.String(), credits: Type.Number() })),
  byState: Type.Array(Type.Object({ stateCode: StateCodeSchema, credits: Type.Number(), courses: Type.Integer() })),
  algebra1: Type.Boolean(),
  graduated: Type.Boolean(),
});

/**
 * The consolidated child: one stable MSIX id, the state records linked to it,
 * and a view computed from them (never edited by hand: states correct their own
 * records and resubmit).
 */
export const StudentSchema = Type.Object(
  {
    msixId: MsixIdSchema,
    status: Type.Union([Type.Literal('active'), Type.Literal('merged'), Type.Literal('locked')]),
    identity: Identity,
    otherNames: Type.Array(
      Type.Object({
        ...FromState,
        firstName: Type.String(),
        lastName1: Type.String(),
        lastName2: Type.Optional(Type.String()),
      }),
    ),
    parents: Type.Array(Type.Intersect([Parent, Type.Object(FromState)])),
    records: Type.Array(LinkedRecord),
    states: Type.Array(StateCodeSchema),
    qualifyingMoves: Type.Array(Tagged(QualifyingMove)),
    enrollments: Type.Array(Tagged(Enrollment)),
    courses: Type.Array(Tagged(Course)),
    assessments: Type.Array(Tagged(Assessment)),
    health: Type.Object(
      {
        immunizationRecordOnFile: Type.Boolean(),
        medicalAlert: Type.String({ 'x-codeset': 'medicalAlert' }),
      },
      { description: 'Flags only.' },
    ),
    credits: CreditSummary,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Student', title: 'Student', description: 'A consolidated migrant student across states.' },
);

export type Student = Static<typeof StudentSchema>;
export type LinkedRecordT = Static<typeof LinkedRecord>;
export type CreditSummaryT = Static<typeof CreditSummary>;
