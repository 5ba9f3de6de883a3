import { describe, expect, it } from 'vitest';
import {
  validateStateRecord,
  CODESET_NAMES,
  codesets,
  nearestCodes,
  CODESET_VERSION,
  StateRecordSchema,
} from '@msix/adapter-sdk/canonical';
import { sampleRecord } from '../support/records.js';

describe('canonical StateRecord validation', () => {
  it('accepts a complete record and reports the code-set version it was checked against', () => {
    const r = validateStateRecord(
      sampleRecord({
        parents: [
          {
            firstName: 'Rosa',
            lastName: 'Lopez',
            relationship: 'parent2',
            email: 'rosa@example.org',
            phone: '5125550100',
          },
        ],
        qualifyingMoves: [
          {
            qualifyingArrivalDate: '2025-07-01',
            fromCountry: 'MX',
            toState: 'TX',
            eligibilityExpirationDate: '2028-06-30',
          },
        ],
        assessments: [
          { title: 'STAAR Reading', assessmentType: '10', administrationDate: '2026-04', interpretation: 'Proficient' },
        ],
      }),
    );
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect(r.codesetVersion).toBe(CODESET_VERSION);
  });

  it('lists every problem with a JSON pointer, the value, the rule and a fix', () => {
    const r = validateStateRecord({
      ...sampleRecord(),
      stateStudentId: ' padded ',
      action: 'upsert',
      unknownField: 1,
      identity: { firstName: '', lastName1: 'Garcia', birthDate: '2010-02-30', sex: 'Female', birthCountry: 'MEX' },
      enrollments: [{ enrollmentDate: '2025-08-20', enrollmentType: '01', gradeLevel: 'K' }],
    });
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    const by = Object.fromEntries(r.issues.map((i) => [i.path, i]));
    expect(by['/unknownField']).toMatchObject({ rule: 'additionalProperties', value: 1 });
    expect(by['/action']).toMatchObject({ rule: 'const', value: 'upsert', fix: expect.stringContaining('"insert"') });
    expect(by['/stateStudentId']).toMatchObject({ rule: 'pattern' });
    expect(by['/identity/firstName']).toMatchObject({ rule: 'minLength' });
    expect(by['/identity/birthDate']).toMatchObject({ rule: 'format', value: '2010-02-30' });
    expect(by['/identity/sex']).toMatchObject({ rule: 'codeset', fix: expect.stringContaining('F (Female)') });
    expect(by['/identity/birthCountry']).toMatchObject({ rule: 'codeset', value: 'MEX' });
    expect(by['/enrollments/0/gradeLevel']?.fix).toContain('KG (Kindergarten)');
    for (const i of r.issues) expect(i.message.length).toBeGreaterThan(5);
  });

  it('checks rules a schema cannot: dates in order and no future birth dates', () => {
    const r = validateStateRecord(
      sampleRecord({
        identity: { birthDate: '2999-01-01' },
        enrollments: [
          { enrollmentDate: '2025-08-20', withdrawalDate: '2025-08-01', enrollmentType: '01', gradeLevel: '09' },
        ],
      }),
    );
    expect(r.kind).toBe('invalid');
    if (r.kind === 'invalid')
      expect(r.issues.map((i) => i.rule)).toEqual(expect.arrayContaining(['notInFuture', 'dateOrder']));
  });

  it('refuses a supplied MSIX id whose check digit is wrong', () => {
    const r = validateStateRecord({ ...sampleRecord(), msixId: '123456789012' });
    expect(r.kind === 'invalid' && r.issues[0]?.rule).toBe('msix-id');
  });

  it('keeps health data to flags: the schema has no field for medical detail', () => {
    const r = validateStateRecord(
      sampleRecord({
        enrollments: [
          {
            enrollmentDate: '2025-08-20',
            enrollmentType: '01',
            gradeLevel: '09',
            medicalAlert: 'Chronic',
            diagnosis: 'asthma',
          } as never,
        ],
      }),
    );
    expect(r.kind === 'invalid' && r.issues.map((i) => i.path)).toEqual(['/enrollments/0/diagnosis']);
  });
});

describe('code sets', () => {
  it('are versioned, non-empty and free of duplicate codes', () => {
    for (const n of CODESET_NAMES) {
      const c = codesets[n];
      expect(c.version).toMatch(/^\d{4}\.\d+$/);
      expect(c.codes.length).toBeGreaterThan(1);
      expect(new Set(c.codes.map((x) => x.code)).size).toBe(c.codes.length);
    }
  });

  it('suggest the nearest codes by code and by label', () => {
    expect(nearestCodes('gradeLevel', 'Kinder')[0]?.code).toBe('KG');
    expect(nearestCodes('termType', '0828x')[0]?.code).toBe('0828');
    expect(nearestCodes('medicalAlert', 'chronik')[0]?.code).toBe('Chronic');
  });

  it('suggest nothing for a value far longer than any code (fuzz find, issue 18)', () => {
    // A 300 KB field was compared character by character with every code and label: seconds per record.
    const t0 = performance.now();
    expect(nearestCodes('country', '<![CDATA['.repeat(40_000))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(nearestCodes('gradeLevel', 'Kindergarden')[0]?.code).toBe('KG');
  });

  it('every x-codeset in the canonical schema names a real code set', () => {
    const names = new Set<string>();
    JSON.stringify(StateRecordSchema, (k, v) => {
      if (k === 'x-codeset') names.add(v as string);
      return v;
    });
    expect(names.size).toBeGreaterThan(8);
    for (const n of names) expect(CODESET_NAMES).toContain(n);
  });
});

describe('text fields refuse markup and statement punctuation', () => {
  it('accepts real names with accents, hyphens, apostrophes and particles', () => {
    for (const [firstName, lastName1] of [
      ['María José', 'de la Cruz'],
      ["D'Andre", "O'Brien"],
      ['Ma. Guadalupe', 'Martínez-Cruz'],
      ['Nguyễn', 'Thị'],
      ['Zoë', 'Ñúñez'],
    ]) {
      expect(
        validateStateRecord(sampleRecord({ identity: { firstName: firstName!, lastName1: lastName1! } })).kind,
        firstName,
      ).toBe('ok');
    }
  });

  it('refuses script and SQL injection strings with the field, the rule and a fix', () => {
    const r = validateStateRecord(
      sampleRecord({
        identity: { firstName: '<script>alert(1)</script>', lastName1: "Robert'); DROP TABLE students;--" },
        enrollments: [
          {
            enrollmentDate: '2025-08-20',
            enrollmentType: '01',
            gradeLevel: '09',
            schoolName: '<img src=x onerror=alert(1)>',
          },
        ],
      }),
    );
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.issues.map((i) => [i.path, i.rule])).toEqual(
      expect.arrayContaining([
        ['/identity/firstName', 'text'],
        ['/identity/lastName1', 'text'],
        ['/enrollments/0/schoolName', 'text'],
      ]),
    );
    expect(r.issues.find((i) => i.path === '/identity/firstName')?.fix).toContain('letters');
  });
});
