/**
 * Generator D (lab/matching/synthetic-d), held out like C (issue 12): reproducible, never the training population,
 * and holding the structures it was written for.
 */
import { describe, expect, it } from 'vitest';
import { generatePopulationD } from '../../lab/matching/synthetic-d/generator.js';

const sample = [...generatePopulationD({ records: 3000, seed: 3 })];
const share = (f: (r: (typeof sample)[number]) => boolean) => sample.filter(f).length / sample.length;

describe('generator D', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    expect([...generatePopulationD({ records: 3000, seed: 3 })]).toEqual(sample);
    const other = [...generatePopulationD({ records: 50, seed: 4 })];
    expect(other.map((r) => r.record.firstName)).not.toEqual(sample.slice(0, 50).map((r) => r.record.firstName));
    expect(sample.every((r) => r.record.recordId.startsWith('D'))).toBe(true);
  });

  it('holds multiple births, 1 January refugee dates, legacy ASCII and a flag defaulted to no', () => {
    expect(new Set(sample.filter((r) => r.twinGroup !== null).map((r) => r.twinGroup)).size).toBeGreaterThan(20);
    expect(share((r) => /-01-01$/.test(r.record.birthDate ?? ''))).toBeGreaterThan(0.05);
    expect(
      share((r) => /\?/.test(`${r.record.firstName}${r.record.lastName1}${r.record.parent1LastName}`)),
    ).toBeGreaterThan(0.005);
    expect(sample.some((r) => r.twinGroup !== null && r.record.multipleBirth === false)).toBe(true);
    expect(share((r) => r.record.birthDate !== null && r.record.birthDate > '2021-12-31')).toBe(0);
  });
});
