import type { Student } from '@msix/adapter-sdk/canonical';
import { DataTable } from '../html.js';

/** A person's name as a registrar writes it: surnames first. */
export function fullName(i: { firstName: string; middleName?: string; lastName1: string; lastName2?: string }): string {
  const last = [i.lastName1, i.lastName2].filter(Boolean).join(' ');
  const first = [i.firstName, i.middleName].filter(Boolean).join(' ');
  return `${last}, ${first}`;
}

/** The latest qualifying arrival date (when the child's current Migrant Education Program eligibility began). */
export function qualifyingArrival(s: Student): string | null {
  return (
    s.qualifyingMoves
      .map((m) => m.qualifyingArrivalDate)
      .sort()
      .at(-1) ?? null
  );
}

const credits = (n: number) => n.toFixed(2).replace(/\.?0+$/, '') || '0';

/** A table of the record (every data table in the portal has a caption: screen readers announce it). */
function Table(p: { caption: string; head: string[]; rows: (string | number | null | undefined)[][]; id?: string }) {
  return (
    <DataTable
      scroll
      caption={p.caption}
      head={p.head}
      id={p.id}
      empty="None on record."
      rows={p.rows.map((r) => (
        <tr>
          {r.map((c) => (
            <td>{c ?? ''}</td>
          ))}
        </tr>
      ))}
    />
  );
}

/** The consolidated record: identity, enrollments, credits, courses, assessments and health flags, in that order. */
export function StudentRecord(p: { student: Student }) {
  const s = p.student;
  const arrival = qualifyingArrival(s);
  const c = s.credits;
  const pct = c.requiredCredits > 0 ? Math.min(100, Math.round((c.totalCredits / c.requiredCredits) * 100)) : 0;
  const enrollments = [...s.enrollments].sort((a, b) => b.enrollmentDate.localeCompare(a.enrollmentDate));
  const courses = [...s.courses].sort(
    (a, b) => b.endAcademicYear - a.endAcademicYear || a.courseTitle.localeCompare(b.courseTitle),
  );
  return (
    <>
      <h2>Identity</h2>
      <div class="usa-summary-box">
        <div class="usa-summary-box__body">
          <ul class="usa-list usa-list--unstyled">
            <li>
              <strong>Birth date:</strong> {s.identity.birthDate}
            </li>
            {s.identity.sex ? (
              <li>
                <strong>Sex:</strong> {s.identity.sex}
              </li>
            ) : null}
            <li>
              <strong>States with records:</strong> {s.states.join(', ')}
            </li>
            <li>
              <strong>Qualifying arrival date:</strong> {arrival ?? 'none on record'}
            </li>
            <li class="portal-flag">
              Immunization record: {s.health.immunizationRecordOnFile ? 'on file' : 'none on file'}
            </li>
            <li class="portal-flag">
              Medical alert: {s.health.medicalAlert === 'None' ? 'none' : `yes (${s.health.medicalAlert})`}
              {s.health.medicalAlert === 'None' ? null : ' — ask the sending school; no health detail is exchanged.'}
            </li>
          </ul>
        </div>
      </div>
      <Table
        caption="Other names in state records"
        head={['State', 'State student id', 'Name']}
        rows={s.otherNames.map((n) => [n.stateCode, n.stateStudentId, fullName(n)])}
      />
      <h2>Enrollment timeline</h2>
      <Table
        caption="Enrollments across states and schools, newest first"
        head={['State', 'School', 'District', 'Grade', 'Enrolled', 'Withdrawn']}
        rows={enrollments.map((e) => [
          e.stateCode,
          e.schoolName ?? e.schoolId,
          e.districtName,
          e.gradeLevel,
          e.enrollmentDate,
          e.withdrawalDate ?? 'enrolled',
        ])}
      />
      <h2>Credits toward graduation</h2>
      <p>
        <strong data-testid="credit-total">{credits(c.totalCredits)}</strong> of {credits(c.requiredCredits)} credits (
        {credits(c.remainingCredits)} remaining){c.graduated ? '; graduated' : ''}.
      </p>
      <progress max={100} value={pct} aria-label="Share of the credits a diploma needs">
        {pct}%
      </progress>
      <div class="portal-side">
        <Table
          caption="Credits by state"
          id="credits-by-state"
          head={['State', 'Credits', 'Courses']}
          rows={c.byState.map((x) => [x.stateCode, credits(x.credits), x.courses])}
        />
        <Table
          caption="Credits by subject"
          head={['Subject', 'Credits']}
          rows={c.bySubject.map((x) => [x.subjectArea, credits(x.credits)])}
        />
      </div>
      <h2>Course history</h2>
      <Table
        caption="Courses, newest school year first"
        head={['State', 'Year', 'Course', 'Subject', 'Grade', 'Credits granted']}
        rows={courses.map((x) => [
          x.stateCode,
          `${x.beginAcademicYear}–${x.endAcademicYear}`,
          x.courseTitle,
          x.subjectArea,
          x.finalGrade ?? (x.gradeToDate ? `${x.gradeToDate} (to date)` : ''),
          x.creditsGranted === undefined ? 'in progress' : credits(x.creditsGranted),
        ])}
      />
      <h2>Assessments</h2>
      <Table
        caption="Assessments"
        head={['State', 'Month', 'Assessment', 'Content', 'Result']}
        rows={s.assessments.map((a) => [
          a.stateCode,
          a.administrationDate,
          a.title,
          a.content,
          [a.scoreResults, a.interpretation].filter(Boolean).join(' · '),
        ])}
      />
    </>
  );
}
