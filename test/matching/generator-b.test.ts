/**
 * Generator B (lab/matching/synthetic-b) is the independent population the
 * matcher is measured on when tuned on generator A: it must be reproducible
 * and hold the variation the issue lists (issue 12).
 */
import { describe, expect, it } from 'vitest';
import { generatePopulationB } from '../../lab/matching/synthetic-b/generator.js';

const sample = [...generatePopulationB({ records: 4000, seed: 3 })];
const share = (f: (r: (typeof sample)[number]) => boolean) => sample.filter(f).length / sample.length;

describe('generator B', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const again = [...generatePopulationB({ records: 4000, seed: 3 })];
    expect(again).toEqual(sample);
    const other = [...generatePopulationB({ records: 50, seed: 4 })];
    expect(other.map((r) => r.record.firstName)).not.toEqual(sample.slice(0, 50).map((r) => r.record.firstName));
  });

  it('holds twins and triplets, and siblings in one family', () => {
    const groups = new Map<number, Set<number>>();
    for (const r of sample)
      if (r.twinGroup !== null)
        (groups.get(r.twinGroup) ?? groups.set(r.twinGroup, new Set()).get(r.twinGroup)!).add(r.childId);
    const sizes = [...groups.values()].map((s) => s.size);
    expect(sizes.filter((n) => n === 2).length).toBeGreaterThan(20);
    expect(sample.every((r) => r.record.recordId.startsWith('B'))).toBe(true);
  });

  it('writes the corruption habits of the issue', () => {
    expect(share((r) => /-/.test(r.record.lastName1 ?? '') && r.record.lastName2 === null)).toBeGreaterThan(0.005);
    expect(share((r) => r.record.lastName2 === null)).toBeGreaterThan(0.2);
    expect(share((r) => /^(SINGH|KAUR)$/i.test(r.record.lastName1 ?? ''))).toBeGreaterThan(0.002);
    expect(share((r) => /^(THI|VAN)$/i.test(r.record.middleName ?? ''))).toBeGreaterThan(0.005);
    expect(share((r) => r.record.parent1FirstName === null || r.record.parent2FirstName === null)).toBeGreaterThan(0.1);
    expect(share((r) => r.record.multipleBirth === null)).toBeGreaterThan(0.1);
    // A second id in one state for the same child.
    const idsByChildState = new Map<string, Set<string>>();
    for (const r of sample) {
      const k = `${r.childId}/${r.record.state}`;
      (idsByChildState.get(k) ?? idsByChildState.set(k, new Set()).get(k)!).add(r.record.stateStudentId!);
    }
    expect([...idsByChildState.values()].some((s) => s.size > 1)).toBe(true);
  });
});
