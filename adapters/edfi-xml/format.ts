/**
 * Canonical records → Ed-Fi interchange XML (DS 5.2), one tar holding
 * Student.xml, StudentEnrollment.xml, StudentProgram.xml and
 * StudentTranscript.xml. Elements are written in XSD sequence order.
 * Interchange files are buffered per part until the tar is written: a tar
 * header needs the part's size, and request answers are small.
 */
import type { StateRecord } from '../../specs/index.js';
import type { Crosswalk } from '../../mappings/index.js';
import { writeTar } from '../sdk/tar.js';
import type { FormatContext } from '../sdk/types.js';
import type { EdfiConfig } from './parse.js';

const NS = 'http://ed-fi.org/5.2.0';
const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const el = (name: string, v: string | number | boolean | undefined, indent: string) =>
  v === undefined ? '' : `${indent}<${name}>${typeof v === 'boolean' ? (v ? '1' : '0') : esc(String(v))}</${name}>\n`;

function doc(root: string, body: string[]): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">\n${body.join('')}</${root}>\n`,
    'utf8',
  );
}

export function createFormatter(config: EdfiConfig, crosswalks: ReadonlyMap<string, Crosswalk>) {
  const rev = (id: string, code: string | undefined) =>
    code === undefined ? undefined : crosswalks.get(id)!.reverse(code);
  const studentRef = (id: string, i: string) =>
    `${i}<StudentReference>\n${i}\t<StudentIdentity>\n${el('StudentUniqueId', id, `${i}\t\t`)}` +
    `${i}\t</StudentIdentity>\n${i}</StudentReference>\n`;
  const edOrgRef = (i: string) =>
    `${i}<EducationOrganizationReference>\n${i}\t<EducationOrganizationIdentity>\n` +
    `${el('EducationOrganizationId', config.educationOrganizationId, `${i}\t\t`)}` +
    `${i}\t</EducationOrganizationIdentity>\n${i}</EducationOrganizationReference>\n`;

  return async function* format(
    records: AsyncIterable<StateRecord> | Iterable<StateRecord>,
    _ctx: FormatContext,
  ): AsyncGenerator<Buffer> {
    const students: string[] = [],
      enrollment: string[] = [],
      program: string[] = [],
      transcript: string[] = [];
    for await (const r of records as AsyncIterable<StateRecord>) {
      const id = r.stateStudentId,
        p = r.identity;
      const surname = [p.lastName1, p.lastName2].filter(Boolean).join(' ');
      students.push(
        `\t<Student>\n${el('StudentUniqueId', id, '\t\t')}\t\t<Name>\n` +
          `${el('FirstName', p.firstName, '\t\t\t')}${el('MiddleName', p.middleName, '\t\t\t')}` +
          `${el('LastSurname', surname, '\t\t\t')}` +
          `${el('GenerationCodeSuffix', p.suffix, '\t\t\t')}\t\t</Name>\n\t\t<BirthData>\n` +
          `${el('BirthDate', p.birthDate, '\t\t\t')}${el('BirthCity', p.birthCity, '\t\t\t')}` +
          `${el('BirthStateAbbreviation', rev('edfi/stateAbbreviation', p.birthState), '\t\t\t')}` +
          `${el('BirthCountry', rev('edfi/country', p.birthCountry), '\t\t\t')}` +
          `${el('MultipleBirthStatus', p.multipleBirth, '\t\t\t')}\t\t</BirthData>\n\t</Student>\n`,
      );

      const sex = rev('edfi/sex', p.sex);
      if (sex || r.msixId) {
        const code = r.msixId
          ? `\t\t<StudentIdentificationCode>\n${el('IdentificationCode', r.msixId, '\t\t\t')}` +
            `${el('StudentIdentificationSystem', config.msixIdentificationSystem, '\t\t\t')}` +
            `${el('AssigningOrganizationIdentificationCode', 'MSIX', '\t\t\t')}\t\t</StudentIdentificationCode>\n`
          : '';
        enrollment.push(
          `\t<StudentEducationOrganizationAssociation>\n${studentRef(id, '\t\t')}${edOrgRef('\t\t')}` +
            `${code}${el('Sex', sex, '\t\t')}\t</StudentEducationOrganizationAssociation>\n`,
        );
      }
      for (const e of r.enrollments ?? []) {
        enrollment.push(
          `\t<StudentSchoolAssociation>\n${studentRef(id, '\t\t')}\t\t<SchoolReference>\n` +
            `\t\t\t<SchoolIdentity>\n` +
            `${el('SchoolId', e.schoolId ?? '0', '\t\t\t\t')}\t\t\t</SchoolIdentity>\n` +
            `\t\t</SchoolReference>\n${el('EntryDate', e.enrollmentDate, '\t\t')}` +
            `${el('EntryGradeLevel', rev('edfi/gradeLevel', e.gradeLevel), '\t\t')}` +
            `${el('ExitWithdrawDate', e.withdrawalDate, '\t\t')}` +
            `${el('EnrollmentType', rev('edfi/enrollmentType', e.enrollmentType), '\t\t')}` +
            `\t</StudentSchoolAssociation>\n`,
        );
      }
      const pfs = (r.enrollments ?? []).some((e) => e.priorityForServices);
      const cos = rev(
        'edfi/continuationOfServices',
        r.enrollments?.find((e) => e.continuationOfServicesReason)?.continuationOfServicesReason,
      );
      for (const m of r.qualifyingMoves ?? []) {
        program.push(
          `\t<StudentMigrantEducationProgramAssociation>\n` +
            `${studentRef(id, '\t\t')}\t\t<ProgramReference>\n\t\t\t<ProgramIdentity>\n` +
            `${edOrgRef('\t\t\t\t')}${el('ProgramName', 'Migrant Education', '\t\t\t\t')}` +
            `${el('ProgramType', 'uri://ed-fi.org/ProgramTypeDescriptor#Migrant Education', '\t\t\t\t')}` +
            `\t\t\t</ProgramIdentity>\n` +
            `\t\t</ProgramReference>\n${el('BeginDate', m.qualifyingArrivalDate, '\t\t')}` +
            `${edOrgRef('\t\t')}${el('PriorityForServices', pfs, '\t\t')}` +
            `${el('LastQualifyingMove', m.qualifyingArrivalDate, '\t\t')}` +
            `${el('ContinuationOfServicesReason', cos, '\t\t')}` +
            `${el('QualifyingArrivalDate', m.qualifyingArrivalDate, '\t\t')}` +
            `${el('EligibilityExpirationDate', m.eligibilityExpirationDate, '\t\t')}` +
            `\t</StudentMigrantEducationProgramAssociation>\n`,
        );
      }
      const records = new Set<string>();
      for (const c of r.courses ?? []) {
        const term = rev('edfi/termType', c.termType) ?? 'uri://ed-fi.org/TermDescriptor#Other';
        const sarIdentity = (i: string) =>
          `${studentRef(id, i)}${edOrgRef(i)}${el('SchoolYear', c.endAcademicYear, i)}${el('Term', term, i)}`;
        const key = `${c.endAcademicYear}|${term}`;
        if (!records.has(key)) {
          records.add(key);
          transcript.push(`\t<StudentAcademicRecord>\n${sarIdentity('\t\t')}\t</StudentAcademicRecord>\n`);
        }
        const result = (c.creditsGranted ?? 0) > 0 ? 'Pass' : 'Incomplete';
        const credits =
          c.creditsGranted === undefined
            ? ''
            : `\t\t<EarnedCredits>\n${el('Credits', c.creditsGranted, '\t\t\t')}\t\t</EarnedCredits>\n`;
        const subject =
          c.subjectArea === undefined
            ? ''
            : el('AcademicSubject', `uri://ed-fi.org/AcademicSubjectDescriptor#${c.subjectArea}`, '\t\t');
        transcript.push(
          `\t<CourseTranscript>\n` +
            `${el('CourseAttemptResult', `uri://ed-fi.org/CourseAttemptResultDescriptor#${result}`, '\t\t')}` +
            `${credits}${el('FinalLetterGradeEarned', c.finalGrade, '\t\t')}\t\t<CourseReference>\n` +
            `\t\t\t<CourseIdentity>\n${el('CourseCode', c.courseTitle.slice(0, 60), '\t\t\t\t')}` +
            `${edOrgRef('\t\t\t\t')}\t\t\t</CourseIdentity>\n\t\t</CourseReference>\n` +
            `\t\t<StudentAcademicRecordReference>\n\t\t\t<StudentAcademicRecordIdentity>\n` +
            `${sarIdentity('\t\t\t\t')}\t\t\t</StudentAcademicRecordIdentity>\n` +
            `\t\t</StudentAcademicRecordReference>\n${el('CourseTitle', c.courseTitle, '\t\t')}` +
            `${subject}\t</CourseTranscript>\n`,
        );
      }
    }
    yield* writeTar([
      { name: 'Student.xml', data: doc('InterchangeStudent', students) },
      { name: 'StudentEnrollment.xml', data: doc('InterchangeStudentEnrollment', enrollment) },
      { name: 'StudentProgram.xml', data: doc('InterchangeStudentProgram', program) },
      { name: 'StudentTranscript.xml', data: doc('InterchangeStudentTranscript', transcript) },
    ]);
  };
}
