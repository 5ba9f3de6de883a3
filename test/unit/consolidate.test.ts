import { describe, expect, it } from 'vitest';
import { consolidate, type ConsolidationInput } from '../../core/consolidate.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import { sampleRecord } from '../support/records.js';

const link = { linkType: 'auto' as const, score: 12.5, rulesVersion: 'test', linkedAt: '2026-01-01T00:00:00.000Z' };
function input(
  state: string,
  id: string,
  over: Parameters<typeof sampleRecord>[0],
  updatedAt: string,
  status: 'active' | 'withdrawn' = 'active',
): ConsolidationInput {
  return {
    recordId: `${state}-${id}`,
    stateCode: state,
    stateStudentId: id,
    status,
    record: sampleRecord({ stateCode: state, stateStudentId: id, ...over }),
    receivedAt: updatedAt,
    updatedAt,
    link,
  };
}
const times = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' };

describe('consolidated student view', () => {
  it('adds credits across states by subject and by state, and counts what is left to graduate', () => {
    const s = consolidate(
      '123' as MsixId,
      'active',
      [
        input(
          'TX',
          'a',
          {
            courses: [
              {
                courseTitle: 'Algebra I',
                subjectArea: 'Mathematics',
                beginAcademicYear: 2024,
                endAcademicYear: 2025,
                creditsGranted: 1,
              },
              {
                courseTitle: 'English I',
                subjectArea: 'English',
                beginAcademicYear: 2024,
                endAcademicYear: 2025,
                creditsGranted: 1,
              },
            ],
          },
          '2026-01-01T00:00:00Z',
        ),
        input(
          'MI',
          'b',
          {
            courses: [
              {
                courseTitle: 'Geometry A',
                subjectArea: 'Mathematics',
                beginAcademicYear: 2025,
                endAcademicYear: 2026,
                creditsGranted: 0.5,
              },
            ],
          },
          '2026-02-01T00:00:00Z',
        ),
      ],
      { requiredCredits: 22 },
      times,
    );
    expect(s.credits.totalCredits).toBe(2.5);
    expect(s.credits.remainingCredits).toBe(19.5);
    expect(s.credits.bySubject).toEqual([
      { subjectArea: 'English', credits: 1 },
      { subjectArea: 'Mathematics', credits: 1.5 },
    ]);
    expect(s.credits.byState).toEqual(expect.arrayContaining([{ stateCode: 'MI', credits: 0.5, courses: 1 }]));
    expect(s.states).toEqual(['MI', 'TX']);
    expect(s.courses.every((c) => c.stateCode)).toBe(true);
  });

  it('takes identity from the latest record and keeps the other names states used', () => {
    const s = consolidate(
      '1' as MsixId,
      'active',
      [
        input('TX', 'a', { identity: { firstName: 'Ma. Guadalupe' } }, '2026-01-01T00:00:00Z'),
        input('MI', 'b', { identity: { firstName: 'Guadalupe' } }, '2026-03-01T00:00:00Z'),
      ],
      { requiredCredits: 22 },
      times,
    );
    expect(s.identity.firstName).toBe('Guadalupe');
    expect(s.otherNames).toEqual([expect.objectContaining({ stateCode: 'TX', firstName: 'Ma. Guadalupe' })]);
  });

  it('drops withdrawn records from the view but keeps them in the link history', () => {
    const s = consolidate(
      '1' as MsixId,
      'active',
      [input('TX', 'a', {}, '2026-01-01T00:00:00Z'), input('MI', 'b', {}, '2026-03-01T00:00:00Z', 'withdrawn')],
      { requiredCredits: 22 },
      times,
    );
    expect(s.states).toEqual(['TX']);
    expect(s.records.map((r) => r.stateCode)).toEqual(['TX', 'MI']);
    expect(s.credits.totalCredits).toBe(1);
  });

  it('reports health as flags: any immunization record on file, the most serious alert', () => {
    const enr = (medicalAlert: string, immunizationRecordFlag: boolean) => ({
      enrollments: [
        { enrollmentDate: '2025-08-20', enrollmentType: '01', gradeLevel: '09', medicalAlert, immunizationRecordFlag },
      ],
    });
    const s = consolidate(
      '1' as MsixId,
      'active',
      [
        input('TX', 'a', enr('Acute', false), '2026-01-01T00:00:00Z'),
        input('MI', 'b', enr('Chronic', true), '2026-02-01T00:00:00Z'),
        input('FL', 'c', enr('None', false), '2026-03-01T00:00:00Z'),
      ],
      { requiredCredits: 22 },
      times,
    );
    expect(s.health).toEqual({ immunizationRecordOnFile: true, medicalAlert: 'Chronic' });
  });
});
