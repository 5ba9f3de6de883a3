import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../core/canonical-json.js';

describe('canonical JSON', () => {
  it('gives the same text and hash whatever the key order, at every depth', () => {
    const a = { b: 1, a: { d: [{ y: 2, x: 1 }], c: 'é' }, u: undefined };
    const b = { a: { c: 'é', d: [{ x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"é","d":[{"x":1,"y":2}]},"b":1}');
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it('keeps array order and distinguishes different values', () => {
    expect(canonicalJson([2, 1])).toBe('[2,1]');
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: '1' }));
  });
});
