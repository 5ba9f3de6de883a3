/**
 * Reading one Ed-Fi interchange element (already cut out by the splitter) into
 * a small extract keyed by student. Only the fields the canonical model uses
 * are kept; raw strings are kept as sent so issues can quote them.
 */
import { XMLParser } from 'fast-xml-parser';

/** Entity names used per interchange root; anything else in a file is counted and skipped. */
export const HANDLED: Record<string, readonly string[]> = {
  InterchangeStudent: ['Student'],
  InterchangeStudentEnrollment: ['StudentSchoolAssociation', 'StudentEducationOrganizationAssociation'],
  InterchangeStudentProgram: ['StudentMigrantEducationProgramAssociation'],
  InterchangeStudentTranscript: ['CourseTranscript'],
};

// DOCTYPEs never reach this parser (the splitter refuses them). Entity processing is off (it halves the
// parse time); the five predefined XML entities and character references are decoded in `text` below.
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : PREDEFINED[e]!,
  );
}

type Node = Record<string, unknown>;
const obj = (v: unknown): Node => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** Text of a leaf, trimmed (Ed-Fi sample ids carry trailing spaces). */
const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return undefined;
  const s = unescapeXml(String(v)).trim();
  return s === '' ? undefined : s;
};
const path = (n: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((cur, k) => obj(cur)[k], n);

export interface Where {
  part: string;
  line: number;
  latin1: boolean;
}
export interface StudentX extends Where {
  firstName?: string;
  middleName?: string;
  lastSurname?: string;
  suffix?: string;
  birthDate?: string;
  birthCity?: string;
  birthState?: string;
  birthCountry?: string;
  multipleBirth?: string;
  birthSex?: string;
}
export interface SeoaX extends Where {
  sex?: string;
  codes: { code: string; system: string }[];
}
export interface MigrantX extends Where {
  beginDate?: string;
  endDate?: string;
  priorityForServices?: string;
  lastQualifyingMove?: string;
  qualifyingArrivalDate?: string;
  eligibilityExpirationDate?: string;
  continuationOfServicesReason?: string;
}
export interface SsaX extends Where {
  schoolId?: string;
  entryDate?: string;
  exitWithdrawDate?: string;
  entryGradeLevel?: string;
  enrollmentType?: string;
}
export interface CourseX extends Where {
  courseTitle?: string;
  courseCode?: string;
  earnedCredits?: string;
  finalLetterGrade?: string;
  finalNumericGrade?: string;
  schoolYear?: string;
  term?: string;
  academicSubject?: string;
}

export type Extract =
  | { kind: 'Student'; studentId?: string; x: StudentX }
  | { kind: 'StudentEducationOrganizationAssociation'; studentId?: string; x: SeoaX }
  | { kind: 'StudentMigrantEducationProgramAssociation'; studentId?: string; x: MigrantX }
  | { kind: 'StudentSchoolAssociation'; studentId?: string; x: SsaX }
  | { kind: 'CourseTranscript'; studentId?: string; x: CourseX }
  | { kind: 'malformed'; reason: string };

const studentRef = (n: unknown) => text(path(n, 'StudentReference', 'StudentIdentity', 'StudentUniqueId'));

/** Parses one element; `name` is the element's local name. */
export function extract(name: string, xml: string, where: Where): Extract {
  // Nesting was checked by the splitter; the parser is lenient about the rest.
  let doc: Node;
  try {
    doc = obj(parser.parse(xml));
  } catch (err) {
    return { kind: 'malformed', reason: err instanceof Error ? err.message : String(err) };
  }
  const n = obj(doc[name]);
  switch (name) {
    case 'Student': {
      const nm = obj(n.Name),
        b = obj(n.BirthData);
      return {
        kind: 'Student',
        studentId: text(n.StudentUniqueId),
        x: {
          ...where,
          firstName: text(nm.FirstName),
          middleName: text(nm.MiddleName),
          lastSurname: text(nm.LastSurname),
          suffix: text(nm.GenerationCodeSuffix),
          birthDate: text(b.BirthDate),
          birthCity: text(b.BirthCity),
          birthState: text(b.BirthStateAbbreviation),
          birthCountry: text(b.BirthCountry),
          multipleBirth: text(b.MultipleBirthStatus),
          birthSex: text(b.BirthSex),
        },
      };
    }
    case 'StudentEducationOrganizationAssociation':
      return {
        kind: name,
        studentId: studentRef(n),
        x: {
          ...where,
          sex: text(n.Sex),
          codes: list(n.StudentIdentificationCode).flatMap((c) => {
            const code = text(obj(c).IdentificationCode),
              system = text(obj(c).StudentIdentificationSystem);
            return code && system ? [{ code, system }] : [];
          }),
        },
      };
    case 'StudentMigrantEducationProgramAssociation':
      return {
        kind: name,
        studentId: studentRef(n),
        x: {
          ...where,
          beginDate: text(n.BeginDate),
          endDate: text(n.EndDate),
          priorityForServices: text(n.PriorityForServices),
          lastQualifyingMove: text(n.LastQualifyingMove),
          qualifyingArrivalDate: text(n.QualifyingArrivalDate),
          eligibilityExpirationDate: text(n.EligibilityExpirationDate),
          continuationOfServicesReason: text(n.ContinuationOfServicesReason),
        },
      };
    case 'StudentSchoolAssociation':
      return {
        kind: name,
        studentId: studentRef(n),
        x: {
          ...where,
          schoolId: text(path(n, 'SchoolReference', 'SchoolIdentity', 'SchoolId')),
          entryDate: text(n.EntryDate),
          exitWithdrawDate: text(n.ExitWithdrawDate),
          entryGradeLevel: text(n.EntryGradeLevel),
          enrollmentType: text(n.EnrollmentType),
        },
      };
    case 'CourseTranscript': {
      const sar = path(n, 'StudentAcademicRecordReference', 'StudentAcademicRecordIdentity');
      return {
        kind: name,
        studentId: studentRef(sar),
        x: {
          ...where,
          courseTitle: text(n.CourseTitle),
          courseCode: text(path(n, 'CourseReference', 'CourseIdentity', 'CourseCode')),
          earnedCredits: text(path(n, 'EarnedCredits', 'Credits')),
          finalLetterGrade: text(n.FinalLetterGradeEarned),
          finalNumericGrade: text(n.FinalNumericGradeEarned),
          schoolYear: text(obj(sar).SchoolYear),
          term: text(obj(sar).Term),
          academicSubject: text(list(n.AcademicSubject)[0]),
        },
      };
    }
    default:
      return { kind: 'malformed', reason: `element ${name} is not read by this adapter` };
  }
}
