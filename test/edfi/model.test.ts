/**
 * The checked-in Data Standard model (specs/edfi/model/ds5.json) is what scripts/edfi-model.ts compiles from the
 * shared Ed-Fi OpenAPI, and the hand-written (canonical-mapped) resources agree with it on their natural keys, so
 * references between generated and hand-written resources find each other.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileModel, descriptorTypeNames, MODEL_SOURCE } from '../../scripts/edfi-model.js';
import { MODEL } from '../../specs/edfi/model/index.js';
import { RESOURCES } from '../../specs/edfi/catalog.js';
import { sharedData } from '../support/data.js';

describe('the compiled Data Standard model', () => {
  it('is current: compiling the shared OpenAPI gives the checked-in ds5.json', () => {
    const edfi = sharedData('edfi');
    const yaml = readFileSync(sharedData('edfi', 'openapi', 'resources-ds-5.0.yaml'), 'utf8');
    const compiled = compileModel(yaml, MODEL_SOURCE, descriptorTypeNames(edfi));
    expect(JSON.stringify(compiled) === JSON.stringify(MODEL), 'run npx tsx scripts/edfi-model.ts').toBe(true);
    expect(compiled.resources).toHaveLength(143);
    expect(compiled.descriptors.length).toBeGreaterThanOrEqual(202);
  });

  it('gives the hand-written resources the same natural key (names and places)', () => {
    const byName = new Map(MODEL.resources.map((r) => [r.name, r]));
    for (const def of RESOURCES.filter((d) => !d.generated)) {
      const sortedKey = (k: readonly { name: string; path: readonly string[] }[]) =>
        k.map((f) => `${f.name}=${f.path.join('.')}`).sort();
      expect(sortedKey(def.identity), def.name).toEqual(sortedKey(byName.get(def.name)!.identity));
    }
  });

  it('knows which keys may change and the role-named key fields', () => {
    expect(MODEL.resources.filter((r) => r.updatable).map((r) => r.name)).toEqual([
      'classPeriods',
      'grades',
      'gradebookEntries',
      'locations',
      'sections',
      'sessions',
      'studentSchoolAssociations',
      'studentSectionAssociations',
    ]);
    const spa = MODEL.resources.find((r) => r.name === 'studentProgramAssociations')!;
    expect(spa.identity.find((f) => f.name === 'programEducationOrganizationId')?.path).toEqual([
      'programReference',
      'educationOrganizationId',
    ]);
    expect(spa.family).toBe('generalStudentProgramAssociations');
    const bell = MODEL.resources.find((r) => r.name === 'bellSchedules')!;
    expect(bell.references).toContainEqual({
      path: ['classPeriods', '*', 'classPeriodReference'],
      target: 'classPeriods',
      targetEntity: 'ClassPeriod',
    });
  });
});
