/**
 * Canonical records → Ed-Fi interchange XML (DS 5.2), one tar holding
 * Student.xml, StudentEnrollment.xml, StudentProgram.xml and
 * StudentTranscript.xml. Elements are written in XSD sequence order.
 * Interchange files are buffered per part until the tar is written: a tar
 * header needs the part's size, and request answers are small. Written with
 * xmlbuilder2 (lib/xml.ts), which escapes every value.
 */
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import type { Crosswalk } from '../../mappings/index.js';
import { writeTar, type FormatContext } from '@msix/adapter-sdk';
import type { EdfiConfig } from './parse.js';
import { xmlDocument, xmlElement, xmlLeaf, type XmlElement } from '../../lib/xml.js';

const NS = 'http://ed-fi.org/5.2.0';
const el = xmlElement;
const leaf = xmlLeaf;

function doc(root: string, body: XmlElement[]): Buffer {
  return Buffer.from(xmlDocument(el(root, body), { namespace: NS }), 'utf8');
}

export function createFormatter(config: EdfiConfig, crosswalks: ReadonlyMap<string, Crosswalk>) {
  const rev = (id: string, code: string | undefined) =>
    code === undefined ? undefined : crosswalks.get(id)!.reverse(code);
  const studentRef = (id: string) => el('StudentReference', [el('StudentIdentity', [leaf('StudentUniqueId', id)])]);
  const edOrgRef = () =>
    el('EducationOrganizationReference', [
      el('EducationOrganizationIdentity', [leaf('EducationOrganizationId', config.educationOrganizationId)]),
    ]);

  return async function* format(
    records: AsyncIterable<StateRecord> | Iterable<StateRecord>,
    _ctx: FormatContext,
  ): AsyncGenerator<Buffer> {
    const students: XmlElement[] = [];
    const enrollment: XmlElement[] = [];
    const program: XmlElement[] = [];
    const transcript: XmlElement[] = [];
    for await (const r of records as AsyncIterable<StateRecord>) {
      const id = r.stateStudentId;
      const p = r.identity;
      const surname = [p.lastName1, p.lastName2].filter(Boolean).join(' ');
      students.push(
        el('Student', [
          leaf('StudentUniqueId', id),
          el('Name', [
            leaf('FirstName', p.firstName),
            leaf('MiddleName', p.middleName),
            leaf('LastSurname', surname),
            leaf('GenerationCodeSuffix', p.suffix),
          ]),
          el('BirthData', [
            leaf('BirthDate', p.birthDate),
            leaf('BirthCity', p.birthCity),
            leaf('BirthStateAbbreviation', rev('edfi/stateAbbreviation', p.birthState)),
            leaf('BirthCountry', rev('edfi/country', p.birthCountry)),
            leaf('MultipleBirthStatus', p.multipleBirth),
          ]),
        ]),
      );

      const sex = rev('edfi/sex', p.sex);
      if (sex || r.msixId) {
        const code =
          r.msixId &&
          el('StudentIdentificationCode', [
            leaf('IdentificationCode', r.msixId),
            leaf('StudentIdentificationSystem', config.msixIdentificationSystem),
            leaf('AssigningOrganizationIdentificationCode', 'MSIX'),
          ]);
        enrollment.push(
          el('StudentEducationOrganizationAssociation', [studentRef(id), edOrgRef(), code, leaf('Sex', sex)]),
        );
      }
      for (const e of r.enrollments ?? []) {
        enrollment.push(
          el('StudentSchoolAssociation', [
            studentRef(id),
            el('SchoolReference', [el('SchoolIdentity', [leaf('SchoolId', e.schoolId ?? '0')])]),
            leaf('EntryDate', e.enrollmentDate),
            leaf('EntryGradeLevel', rev('edfi/gradeLevel', e.gradeLevel)),
            leaf('ExitWithdrawDate', e.withdrawalDate),
            leaf('EnrollmentType', rev('edfi/enrollmentType', e.enrollmentType)),
          ]),
        );
      }
      const pfs = (r.enrollments ?? []).some((e) => e.priorityForServices);
      const cos = rev(
        'edfi/continuationOfServices',
        r.enrollments?.find((e) => e.continuationOfServicesReason)?.continuationOfServicesReason,
      );
      for (const m of r.qualifyingMoves ?? []) {
        program.push(
          el('StudentMigrantEducationProgramAssociation', [
            studentRef(id),
            el('ProgramReference', [
              el('ProgramIdentity', [
                edOrgRef(),
                leaf('ProgramName', 'Migrant Education'),
                leaf('ProgramType', 'uri://ed-fi.org/ProgramTypeDescriptor#Migrant Education'),
              ]),
            ]),
            leaf('BeginDate', m.qualifyingArrivalDate),
            edOrgRef(),
            leaf('PriorityForServices', pfs),
            leaf('LastQualifyingMove', m.qualifyingArrivalDate),
            leaf('ContinuationOfServicesReason', cos),
            leaf('QualifyingArrivalDate', m.qualifyingArrivalDate),
            leaf('EligibilityExpirationDate', m.eligibilityExpirationDate),
          ]),
        );
      }
      const records = new Set<string>();
      for (const c of r.courses ?? []) {
        const term = rev('edfi/termType', c.termType) ?? 'uri://ed-fi.org/TermDescriptor#Other';
        const sarIdentity = () => [
          studentRef(id),
          edOrgRef(),
          leaf('SchoolYear', c.endAcademicYear),
          leaf('Term', term),
        ];
        const key = `${c.endAcademicYear}|${term}`;
        if (!records.has(key)) {
          records.add(key);
          transcript.push(el('StudentAcademicRecord', sarIdentity()));
        }
        const result = (c.creditsGranted ?? 0) > 0 ? 'Pass' : 'Incomplete';
        transcript.push(
          el('CourseTranscript', [
            leaf('CourseAttemptResult', `uri://ed-fi.org/CourseAttemptResultDescriptor#${result}`),
            c.creditsGranted !== undefined && el('EarnedCredits', [leaf('Credits', c.creditsGranted)]),
            leaf('FinalLetterGradeEarned', c.finalGrade),
            el('CourseReference', [el('CourseIdentity', [leaf('CourseCode', c.courseTitle.slice(0, 60)), edOrgRef()])]),
            el('StudentAcademicRecordReference', [el('StudentAcademicRecordIdentity', sarIdentity())]),
            leaf('CourseTitle', c.courseTitle),
            c.subjectArea !== undefined &&
              leaf('AcademicSubject', `uri://ed-fi.org/AcademicSubjectDescriptor#${c.subjectArea}`),
          ]),
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
