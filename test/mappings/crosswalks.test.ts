import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isValidCode, type FieldIssue } from '@msix/adapter-sdk/canonical';
import {
  crosswalkMarkdown,
  crosswalkRegistry,
  crosswalkRows,
  loadCrosswalksSync,
  mapField,
} from '../../mappings/index.js';

const reg = crosswalkRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'msix-xw-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('crosswalk files', () => {
  it('all load, and every target is a code of its canonical code set', () => {
    expect(reg.errors).toEqual([]);
    expect([...reg.crosswalks.keys()].sort()).toEqual([
      'edfi/continuationOfServices',
      'edfi/country',
      'edfi/enrollmentType',
      'edfi/gradeLevel',
      'edfi/sex',
      'edfi/stateAbbreviation',
      'edfi/termType',
      'mis2000/country',
      'mis2000/enrollmentType',
      'mis2000/gradeLevel',
      'mis2000/medicalAlert',
      'mis2000/sex',
      'sif/continuationOfServices',
      'sif/enrollmentType',
      'sif/gradeLevel',
      'sif/sex',
    ]);
    for (const cw of reg.crosswalks.values())
      for (const e of cw.file.entries)
        expect(isValidCode(cw.file.target.codeset, e.to), `${cw.id} ${e.from}`).toBe(true);
  });

  it("map a state's own codes: K, 1..12, MEX, CC is Canada, enrollment types by name", () => {
    const g = reg.get('mis2000/gradeLevel')!;
    expect(['K', 'k', '1', '9', '12', ' 7 ', 'OSY'].map((v) => g.map(v))).toEqual(
      ['KG', 'KG', '01', '09', '12', '07', 'OS'].map((code) => ({ kind: 'ok', code })),
    );
    expect(reg.get('mis2000/country')!.map('CC')).toEqual({ kind: 'ok', code: 'CA' });
    expect(reg.get('mis2000/country')!.map('MEX')).toEqual({ kind: 'ok', code: 'MX' });
    expect(reg.get('mis2000/enrollmentType')!.map('residency only')).toEqual({ kind: 'ok', code: '05' });
    expect(g.reverse('KG')).toBe('K');
    expect(g.reverse('03')).toBe('3');
  });

  it('map Ed-Fi descriptor URIs, case-insensitively and under both ContinuationOfServices spellings', () => {
    expect(reg.get('edfi/gradeLevel')!.map('uri://ed-fi.org/GradeLevelDescriptor#Tenth grade')).toEqual({
      kind: 'ok',
      code: '10',
    });
    expect(reg.get('edfi/gradeLevel')!.map('URI://ED-FI.ORG/GRADELEVELDESCRIPTOR#tenth GRADE')).toEqual({
      kind: 'ok',
      code: '10',
    });
    expect(reg.get('edfi/gradeLevel')!.reverse('10')).toBe('uri://ed-fi.org/GradeLevelDescriptor#Tenth grade');
    const cos = reg.get('edfi/continuationOfServices')!;
    expect(
      cos.map('uri://ed-fi.org/ContinuationofServicesReasonDescriptor#Previously migratory secondary student'),
    ).toEqual({ kind: 'ok', code: '03' });
    expect(
      cos.map('uri://ed-fi.org/ContinuationOfServicesReasonDescriptor#Previously migratory secondary student'),
    ).toEqual({ kind: 'ok', code: '03' });
    expect(reg.get('edfi/sex')!.map('uri://ed-fi.org/SexDescriptor#Female')).toEqual({ kind: 'ok', code: 'F' });
    // Cocos (Keeling) Islands
    expect(reg.get('edfi/country')!.map('uri://ed-fi.org/CountryDescriptor#CC').kind).toBe('unmapped');
    expect(reg.get('edfi/gradeLevel')!.map('uri://example.org/GradeLevelDescriptor#Tenth grade').kind).toBe('unmapped');
  });

  it('turn an unmapped code into a field issue that suggests the nearest source codes', () => {
    const issues: FieldIssue[] = [];
    expect(mapField(reg.get('mis2000/gradeLevel')!, 'KK', '/enrollments/0/gradeLevel', issues)).toBeUndefined();
    expect(issues[0]).toMatchObject({
      path: '/enrollments/0/gradeLevel',
      value: 'KK',
      rule: 'crosswalk',
      severity: 'error',
    });
    expect(issues[0]!.fix).toMatch(/K \(Kindergarten\)/);
    mapField(reg.get('mis2000/country')!, 'Mexico', '/identity/birthCountry', issues);
    expect(issues[1]!.fix).toMatch(/^Use one of the codes in the crosswalk, e.g. MEX \(Mexico\)/);
  });

  it('refuse a crosswalk whose target is not a canonical code, or that maps one code two ways', () => {
    mkdirSync(join(tmp, 'x'), { recursive: true });
    const file = (name: string, entries: unknown[]) =>
      writeFileSync(
        join(tmp, 'x', `${name}.json`),
        JSON.stringify({
          id: `x/${name}`,
          version: '1',
          description: 'test',
          source: { system: 'X', field: 'Grade' },
          target: { codeset: 'gradeLevel' },
          entries,
        }),
      );
    file('badTarget', [{ from: 'K', to: 'K' }]);
    file('conflict', [
      { from: 'K', to: 'KG' },
      { from: 'k', to: '01' },
    ]);
    file('ok', [{ from: 'K', to: 'KG' }]);
    writeFileSync(join(tmp, 'x', 'shape.json'), JSON.stringify({ id: 'x/shape', entries: [] }));
    const r = loadCrosswalksSync(tmp);
    expect([...r.crosswalks.keys()]).toEqual(['x/ok']);
    const why = Object.fromEntries(r.errors.map((e) => [e.id, e.reason]));
    expect(why['x/badTarget']).toMatch(/'K' maps to 'K', which is not a gradeLevel code/);
    expect(why['x/conflict']).toMatch(/listed twice with different targets/);
    expect(why['x/shape']).toMatch(/required/);
  });

  it('publish a table with every entry of every crosswalk', () => {
    const rows = crosswalkRows(reg);
    expect(rows.length).toBe([...reg.crosswalks.values()].reduce((n, cw) => n + cw.file.entries.length, 0));
    expect(rows.find((r) => r.crosswalk === 'mis2000/country' && r.from === 'CC')).toMatchObject({
      to: 'CA',
      toLabel: 'Canada',
    });
    const md = crosswalkMarkdown(reg);
    expect(md).toContain('## mis2000/gradeLevel (v2026.1)');
    expect(md).toContain('| uri://ed-fi.org/GradeLevelDescriptor#Tenth grade | Tenth grade | 10 | Grade 10 |');
  });
});
