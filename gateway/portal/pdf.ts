import PDFDocument from 'pdfkit';
import type { Student } from '@msix/adapter-sdk/canonical';
import { fullName, qualifyingArrival } from './pages/student-view.js';

const credits = (n: number) => n.toFixed(2).replace(/\.?0+$/, '') || '0';

/**
 * The consolidated record as a PDF a registrar can file or print: the same
 * sections as the page, in the same order, generated on the server with the
 * PDF standard fonts (no font files, no browser).
 */
export function studentPdf(s: Student, generatedAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: 50,
    info: { Title: `Consolidated record ${s.msixId}`, Author: 'MSIX gateway' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const h = (text: string) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).text(text).moveDown(0.2);
  const line = (text: string) => doc.font('Helvetica').fontSize(10).text(text);
  const rows = (items: string[][], empty = 'None on record.') => {
    if (items.length === 0) line(empty);
    for (const r of items) line(r.filter(Boolean).join('  ·  '));
  };

  doc.font('Helvetica-Bold').fontSize(18).text(fullName(s.identity));
  line(`MSIX id ${s.msixId}  ·  birth date ${s.identity.birthDate}  ·  states ${s.states.join(', ')}`);
  line(`Qualifying arrival date: ${qualifyingArrival(s) ?? 'none on record'}`);
  line(`Immunization record: ${s.health.immunizationRecordOnFile ? 'on file' : 'none on file'}`);
  line(`Medical alert: ${s.health.medicalAlert === 'None' ? 'none' : `yes (${s.health.medicalAlert})`}`);
  if (s.otherNames.length) {
    h('Other names');
    rows(s.otherNames.map((n) => [n.stateCode, fullName(n)]));
  }
  h('Enrollments');
  rows(
    [...s.enrollments]
      .sort((a, b) => b.enrollmentDate.localeCompare(a.enrollmentDate))
      .map((e) => [
        e.stateCode,
        e.schoolName ?? e.schoolId ?? '',
        `grade ${e.gradeLevel}`,
        `${e.enrollmentDate} to ${e.withdrawalDate ?? 'now'}`,
      ]),
  );
  const c = s.credits;
  h('Credits toward graduation');
  line(`${credits(c.totalCredits)} of ${credits(c.requiredCredits)} (${credits(c.remainingCredits)} remaining)`);
  line(`By state: ${c.byState.map((x) => `${x.stateCode} ${credits(x.credits)}`).join(', ') || 'none'}`);
  line(`By subject: ${c.bySubject.map((x) => `${x.subjectArea} ${credits(x.credits)}`).join(', ') || 'none'}`);
  h('Courses');
  rows(
    s.courses.map((x) => [
      x.stateCode,
      `${x.beginAcademicYear}-${x.endAcademicYear}`,
      x.courseTitle,
      x.subjectArea ?? '',
      x.finalGrade ?? x.gradeToDate ?? '',
      x.creditsGranted === undefined ? 'in progress' : `${credits(x.creditsGranted)} credits`,
    ]),
  );
  h('Assessments');
  rows(s.assessments.map((a) => [a.stateCode, a.administrationDate, a.title, a.scoreResults ?? '']));
  doc
    .moveDown(1)
    .font('Helvetica-Oblique')
    .fontSize(8)
    .text(
      `Generated ${generatedAt.toISOString()} from the records the states sent. FERPA-protected education record: ` +
        'share only for the purpose it was requested for.',
    );
  doc.end();
  return done;
}
