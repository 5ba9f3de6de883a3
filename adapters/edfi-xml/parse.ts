/**
 * Ed-Fi interchange XML → StateRecords. Interchange files are split per
 * entity, so records are joined by StudentUniqueId: every part is streamed
 * element by element into small per-student extracts, and once all parts are
 * read one StateRecord is built for each student with a
 * StudentMigrantEducationProgramAssociation (the exchange is for migrant
 * children). Memory grows with the number of students, not with file size.
 */
import { mapField, type Crosswalk } from '../../mappings/index.js';
import {
  compact,
  finishRecord,
  SourceTracker,
  splitXml,
  type AdapterInput,
  type AdapterIssue,
  type FileIssue,
  type ParseContext,
  type RecordResult,
} from '@msix/adapter-sdk';
import {
  extract,
  HANDLED,
  type CourseX,
  type MigrantX,
  type SeoaX,
  type SsaX,
  type StudentX,
  type Where,
} from './entities.js';
import { partsOf } from './input.js';

export interface EdfiConfig {
  stateCode?: string;
  /** Enrollment type when StudentSchoolAssociation has no EnrollmentType (default 01, basic school program). */
  defaultEnrollmentType: string;
  /** Ed-Fi SchoolId → NCES 12-digit school id, for schools whose SchoolId is not already the NCES id. */
  schoolNcesIds: Record<string, string>;
  /** StudentIdentificationSystem descriptor whose code is the MSIX id. */
  msixIdentificationSystem: string;
  /** EducationOrganizationId written by the formatter. */
  educationOrganizationId: number;
  latin1: 'warn' | 'reject';
}

type Event = RecordResult | { kind: 'file'; issue: FileIssue };

interface Collected {
  students: StudentX[];
  seoas: SeoaX[];
  migrant: MigrantX[];
  ssas: SsaX[];
  courses: CourseX[];
}

const xw = (c: ReadonlyMap<string, Crosswalk>, id: string) => c.get(id)!;
const bool = (v: string | undefined) => (v === undefined ? undefined : v === '1' || v.toLowerCase() === 'true');

export function createParser(config: EdfiConfig, crosswalks: ReadonlyMap<string, Crosswalk>) {
  function build(id: string, c: Collected, recordNumber: number, stateCode: string | undefined): RecordResult {
    const issues: AdapterIssue[] = [];
    const warnings: AdapterIssue[] = [];
    const tracker = new SourceTracker();
    const first = c.migrant[0]!;
    const source = { recordNumber, line: first.line, part: first.part, studentKey: id };
    const at = (w: Where, sourceField: string) => ({ line: w.line, part: w.part, sourceField });
    const mapped = (
      cwId: string,
      value: string | undefined,
      p: string,
      w: Where,
      field: string,
    ): string | undefined => {
      if (value === undefined) return undefined;
      const before = issues.length;
      const out = mapField(xw(crosswalks, cwId), value, p, issues);
      for (let k = before; k < issues.length; k++) issues[k] = { ...issues[k]!, ...at(w, field) };
      return out;
    };
    for (const w of [...c.students, ...c.seoas, ...c.migrant, ...c.ssas, ...c.courses]) {
      if (w.latin1) {
        const issue: AdapterIssue = {
          path: '',
          rule: 'encoding',
          message: `the element at ${w.part} line ${w.line} is not valid UTF-8; it was read as Latin-1 (Windows-1252)`,
          fix: 'Save the interchange as UTF-8.',
          severity: config.latin1 === 'reject' ? 'error' : 'warning',
          line: w.line,
          part: w.part,
        };
        (issue.severity === 'error' ? issues : warnings).push(issue);
      }
    }

    const draft: Record<string, unknown> = compact({ stateCode, stateStudentId: id, action: 'insert' });
    tracker.set('', {
      line: first.line,
      part: first.part,
      names: { stateStudentId: 'StudentReference/StudentIdentity/StudentUniqueId' },
    });

    const s = c.students[0];
    if (!s) {
      issues.push({
        path: '/identity',
        rule: 'required',
        message: `student ${id} has a migrant program association but no Student entity in the submission`,
        fix: 'Include the Student interchange (Student.xml) with this student.',
        severity: 'error',
        line: first.line,
        part: first.part,
      });
    } else {
      if (c.students.length > 1) {
        const dup = c.students[1]!;
        issues.push({
          path: '/stateStudentId',
          value: id,
          rule: 'duplicateInFile',
          message:
            `student ${id} appears twice in the Student interchange (${s.part} line ${s.line} and ` +
            `${dup.part} line ${dup.line})`,
          fix: 'Send each Student once.',
          severity: 'error',
          line: dup.line,
          part: dup.part,
        });
      }
      const seoaSex = c.seoas.find((x) => x.sex);
      const sex = seoaSex
        ? mapped('edfi/sex', seoaSex.sex, '/identity/sex', seoaSex, 'StudentEducationOrganizationAssociation/Sex')
        : mapped('edfi/sex', s.birthSex, '/identity/sex', s, 'BirthData/BirthSex');
      draft.identity = compact({
        firstName: s.firstName,
        middleName: s.middleName,
        lastName1: s.lastSurname,
        suffix: s.suffix,
        sex,
        birthDate: s.birthDate,
        multipleBirth: bool(s.multipleBirth),
        birthCity: s.birthCity,
        birthState: mapped(
          'edfi/stateAbbreviation',
          s.birthState,
          '/identity/birthState',
          s,
          'BirthData/BirthStateAbbreviation',
        ),
        birthCountry: mapped('edfi/country', s.birthCountry, '/identity/birthCountry', s, 'BirthData/BirthCountry'),
      });
      tracker.set('/identity', {
        line: s.line,
        part: s.part,
        names: {
          firstName: 'Name/FirstName',
          middleName: 'Name/MiddleName',
          lastName1: 'Name/LastSurname',
          suffix: 'Name/GenerationCodeSuffix',
          birthDate: 'BirthData/BirthDate',
          birthCity: 'BirthData/BirthCity',
          multipleBirth: 'BirthData/MultipleBirthStatus',
        },
      });
    }
    const msix = c.seoas
      .flatMap((x) => x.codes)
      .find((code) => code.system.toLowerCase() === config.msixIdentificationSystem.toLowerCase());
    if (msix) draft.msixId = msix.code;

    const moves: Record<string, unknown>[] = [];
    const seenQad = new Set<string>();
    for (const m of c.migrant) {
      const qad = m.qualifyingArrivalDate ?? m.lastQualifyingMove;
      const key = `${qad}|${m.eligibilityExpirationDate}`;
      if (seenQad.has(key)) continue;
      seenQad.add(key);
      const p = `/qualifyingMoves/${moves.length}`;
      if (!m.qualifyingArrivalDate && m.lastQualifyingMove) {
        warnings.push({
          path: `${p}/qualifyingArrivalDate`,
          value: m.lastQualifyingMove,
          rule: 'derived',
          message:
            `no QualifyingArrivalDate; the LastQualifyingMove date ${m.lastQualifyingMove} was used as the ` +
            `qualifying arrival date`,
          fix: 'Send QualifyingArrivalDate from the certificate of eligibility.',
          severity: 'warning',
          ...at(m, 'LastQualifyingMove'),
        });
      }
      moves.push(compact({ qualifyingArrivalDate: qad, eligibilityExpirationDate: m.eligibilityExpirationDate }));
      tracker.set(p, {
        line: m.line,
        part: m.part,
        names: {
          qualifyingArrivalDate: m.qualifyingArrivalDate ? 'QualifyingArrivalDate' : 'LastQualifyingMove',
          eligibilityExpirationDate: 'EligibilityExpirationDate',
        },
      });
    }
    draft.qualifyingMoves = moves;

    // The association's program flags belong on the enrollments it covers.
    const covering = (date: string | undefined): MigrantX => {
      const hits = c.migrant.filter(
        (m) => date && m.beginDate && m.beginDate <= date && (!m.endDate || date <= m.endDate),
      );
      return hits[hits.length - 1] ?? c.migrant[c.migrant.length - 1]!;
    };
    const enrollments = [...c.ssas]
      .sort((a, b) => (a.entryDate ?? '').localeCompare(b.entryDate ?? ''))
      .map((e, i) => {
        const p = `/enrollments/${i}`;
        const m = covering(e.entryDate);
        let schoolId: string | undefined;
        if (e.schoolId && /^\d{12}$/.test(e.schoolId)) schoolId = e.schoolId;
        else if (e.schoolId && config.schoolNcesIds[e.schoolId]) schoolId = config.schoolNcesIds[e.schoolId];
        else if (e.schoolId && e.schoolId !== '0')
          warnings.push({
            path: `${p}/schoolId`,
            value: e.schoolId,
            rule: 'crosswalk',
            message:
              `SchoolId ${e.schoolId} is not a 12-digit NCES school id and no NCES id is configured for ` +
              `it; the enrollment is kept without a school id`,
            fix: "Add the school to the adapter's schoolNcesIds configuration.",
            severity: 'warning',
            ...at(e, 'SchoolReference/SchoolIdentity/SchoolId'),
          });
        tracker.set(p, {
          line: e.line,
          part: e.part,
          names: {
            enrollmentDate: 'EntryDate',
            withdrawalDate: 'ExitWithdrawDate',
            gradeLevel: 'EntryGradeLevel',
            enrollmentType: 'EnrollmentType',
          },
        });
        return compact({
          enrollmentDate: e.entryDate,
          withdrawalDate: e.exitWithdrawDate,
          enrollmentType: e.enrollmentType
            ? mapped('edfi/enrollmentType', e.enrollmentType, `${p}/enrollmentType`, e, 'EnrollmentType')
            : config.defaultEnrollmentType,
          schoolId,
          gradeLevel: mapped('edfi/gradeLevel', e.entryGradeLevel, `${p}/gradeLevel`, e, 'EntryGradeLevel'),
          priorityForServices: bool(m.priorityForServices),
          continuationOfServicesReason: mapped(
            'edfi/continuationOfServices',
            m.continuationOfServicesReason,
            `${p}/continuationOfServicesReason`,
            m,
            'ContinuationOfServicesReason',
          ),
        });
      });
    if (enrollments.length) draft.enrollments = enrollments;
    else if (c.migrant.some((m) => bool(m.priorityForServices) || m.continuationOfServicesReason)) {
      warnings.push({
        path: '/enrollments',
        rule: 'notCarried',
        message:
          'PriorityForServices / ContinuationOfServicesReason are kept on enrollments, and the ' +
          'submission has no StudentSchoolAssociation for this student; they were not carried',
        fix: 'Include the StudentEnrollment interchange.',
        severity: 'warning',
        line: first.line,
        part: first.part,
      });
    }

    const courses = c.courses.map((t, i) => {
      const p = `/courses/${i}`;
      const year = t.schoolYear && /^\d{4}$/.test(t.schoolYear) ? Number(t.schoolYear) : undefined;
      if (t.schoolYear && year === undefined)
        issues.push({
          path: `${p}/endAcademicYear`,
          value: t.schoolYear,
          rule: 'integer',
          message: `SchoolYear '${t.schoolYear}' is not a year`,
          fix: 'Send the school year as its ending year, e.g. 2022 for 2021-2022.',
          severity: 'error',
          ...at(t, 'StudentAcademicRecordReference/.../SchoolYear'),
        });
      const credits =
        t.earnedCredits !== undefined && /^\d+(\.\d+)?$/.test(t.earnedCredits) ? Number(t.earnedCredits) : undefined;
      if (t.earnedCredits !== undefined && credits === undefined)
        issues.push({
          path: `${p}/creditsGranted`,
          value: t.earnedCredits,
          rule: 'decimal',
          message: `EarnedCredits '${t.earnedCredits}' is not a number`,
          fix: 'Send credits as a decimal number.',
          severity: 'error',
          ...at(t, 'EarnedCredits/Credits'),
        });
      tracker.set(p, {
        line: t.line,
        part: t.part,
        names: {
          courseTitle: 'CourseTitle',
          creditsGranted: 'EarnedCredits/Credits',
          finalGrade: 'FinalLetterGradeEarned',
          termType: 'Term',
          subjectArea: 'AcademicSubject',
          beginAcademicYear: 'SchoolYear',
          endAcademicYear: 'SchoolYear',
        },
      });
      const subject = t.academicSubject?.includes('#')
        ? t.academicSubject.slice(t.academicSubject.indexOf('#') + 1)
        : t.academicSubject;
      return compact({
        courseTitle: t.courseTitle ?? t.courseCode,
        subjectArea: subject,
        termType: mapped('edfi/termType', t.term, `${p}/termType`, t, 'StudentAcademicRecordReference/.../Term'),
        beginAcademicYear: year === undefined ? undefined : year - 1,
        endAcademicYear: year,
        creditsGranted: credits,
        finalGrade: t.finalLetterGrade ?? t.finalNumericGrade,
      });
    });
    if (courses.length) draft.courses = courses;
    return finishRecord(draft, source, tracker, issues, warnings);
  }

  return async function* parse(input: AdapterInput, ctx: ParseContext): AsyncGenerator<Event> {
    const stateCode = (ctx.stateCode ?? config.stateCode)?.toUpperCase();
    if (!stateCode)
      yield {
        kind: 'file',
        issue: {
          code: 'header',
          severity: 'error',
          message: 'no state was given for the submission, and Ed-Fi interchanges do not carry one',
          fix: 'Submit with the state (URL or --state), or set stateCode in the adapter configuration.',
        },
      };
    const byStudent = new Map<string, Collected>();
    const order: string[] = []; // students in order of their first migrant association
    const ignored = new Map<string, number>();
    let latin1 = 0;
    const get = (id: string) => {
      let c = byStudent.get(id);
      if (!c) byStudent.set(id, (c = { students: [], seoas: [], migrant: [], ssas: [], courses: [] }));
      return c;
    };
    try {
      for await (const p of partsOf(input, ctx.fileName)) {
        if (p.kind === 'issue') {
          yield { kind: 'file', issue: p.issue };
          continue;
        }
        let handled: readonly string[] = [];
        let root = '';
        for await (const ev of splitXml(p.source, p.name)) {
          if (ev.kind === 'issue') {
            yield { kind: 'file', issue: { ...ev.issue, part: p.name } };
            continue;
          }
          if (ev.kind === 'malformed') {
            yield {
              kind: 'file',
              issue: {
                code: 'structure',
                severity: 'error',
                message:
                  `<${ev.name}> at ${p.name} line ${ev.line} is not well-formed XML (${ev.reason}); it was ` +
                  `skipped`,
                fix: 'Fix the element; the rest of the file was read.',
                part: p.name,
                line: ev.line,
              },
            };
            continue;
          }
          if (ev.kind === 'root') {
            root = ev.name;
            handled = HANDLED[root] ?? [];
            if (!handled.length) {
              yield {
                kind: 'file',
                issue: {
                  code: 'ignored',
                  severity: 'info',
                  message: `${p.name} is an ${root}, which this adapter does not read; it was skipped`,
                  part: p.name,
                  line: ev.line,
                },
              };
              break;
            }
            continue;
          }
          if (!handled.includes(ev.name)) {
            ignored.set(`${root}/${ev.name}`, (ignored.get(`${root}/${ev.name}`) ?? 0) + 1);
            continue;
          }
          if (ev.latin1) latin1++;
          const x = extract(ev.name, ev.xml, { part: p.name, line: ev.line, latin1: ev.latin1 });
          if (x.kind === 'malformed') {
            yield {
              kind: 'file',
              issue: {
                code: 'structure',
                severity: 'error',
                message:
                  `<${ev.name}> at ${p.name} line ${ev.line} is ` + `not well-formed XML (${x.reason}); it was skipped`,
                fix: 'Fix the element; the rest of the file was read.',
                part: p.name,
                line: ev.line,
              },
            };
            continue;
          }
          if (!x.studentId) {
            yield {
              kind: 'file',
              issue: {
                code: 'structure',
                severity: 'error',
                message:
                  `<${ev.name}> at ${p.name} line ${ev.line} has no StudentUniqueId (lookup references are ` +
                  `not resolved); it was skipped`,
                fix: 'Reference students by StudentIdentity/StudentUniqueId.',
                part: p.name,
                line: ev.line,
              },
            };
            continue;
          }
          const c = get(x.studentId);
          switch (x.kind) {
            case 'Student':
              c.students.push(x.x);
              break;
            case 'StudentEducationOrganizationAssociation':
              c.seoas.push(x.x);
              break;
            case 'StudentMigrantEducationProgramAssociation':
              if (!c.migrant.length) order.push(x.studentId);
              c.migrant.push(x.x);
              break;
            case 'StudentSchoolAssociation':
              c.ssas.push(x.x);
              break;
            case 'CourseTranscript':
              c.courses.push(x.x);
              break;
          }
        }
      }
    } catch (err) {
      yield {
        kind: 'file',
        issue: {
          code: 'truncated',
          severity: 'error',
          message: `the submission could not be read to the end: ${err instanceof Error ? err.message : String(err)}`,
          fix: 'Resend the complete submission.',
        },
      };
    }
    let n = 0;
    for (const id of order) yield build(id, byStudent.get(id)!, ++n, stateCode);
    const notMigrant = byStudent.size - order.length;
    if (notMigrant > 0)
      yield {
        kind: 'file',
        issue: {
          code: 'ignored',
          severity: 'info',
          message:
            `${notMigrant} student(s) in the submission have no StudentMigrantEducationProgramAssociation ` +
            `and were not exchanged`,
        },
      };
    if (ignored.size)
      yield {
        kind: 'file',
        issue: {
          code: 'ignored',
          severity: 'info',
          message: `elements not read by this adapter: ${[...ignored].map(([k, v]) => `${v} ${k}`).join(', ')}`,
        },
      };
    if (latin1)
      yield {
        kind: 'file',
        issue: {
          code: 'encoding',
          severity: config.latin1 === 'reject' ? 'error' : 'warning',
          message: `${latin1} element(s) are not valid UTF-8; they were read as Latin-1 (Windows-1252)`,
          fix: 'Save the interchange files as UTF-8.',
        },
      };
  };
}
