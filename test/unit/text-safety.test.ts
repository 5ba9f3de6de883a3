import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findUnsafeText, storable, storableText } from '../../core/security/text-safety.js';

describe('findUnsafeText (issue 13 finding 14)', () => {
  it('names the path of a NUL or an unpaired surrogate in parsed bodies, keys included', () => {
    expect(findUnsafeText({ a: [{ b: 'ok' }, { c: 'x\u0000y' }] })).toBe('/a/1/c');
    expect(findUnsafeText({ name: 'Jos\uD800' })).toBe('/name');
    expect(findUnsafeText({ 'bad\u0000key': 1 })).toBe('/(a key)');
    expect(findUnsafeText({ emoji: 'Niño 😀' })).toBeNull();
  });

  it('walks objects with no prototype, as the query-string parser makes them', () => {
    const query = Object.assign(Object.create(null) as Record<string, unknown>, { q: 'a\u0000' });
    expect(findUnsafeText(query)).toBe('/q');
  });

  it('leaves a raw body stream alone instead of walking its sockets (the file routes never answered)', () => {
    const stream = new PassThrough();
    const cyclic: Record<string, unknown> = { stream };
    (stream as unknown as Record<string, unknown>).self = cyclic;
    expect(findUnsafeText(stream)).toBeNull();
    expect(findUnsafeText(Buffer.from('a\u0000b'))).toBeNull();
  });
});

describe('storableText (issue 18: text kept, not refused, such as what a file said in its report)', () => {
  it('replaces NUL and unpaired surrogates with U+FFFD and keeps pairs, keys included', () => {
    expect(storableText('Ma\u0000ría \uD800x \uDC00 😀')).toBe('Ma\uFFFDría \uFFFDx \uFFFD 😀');
    expect(storable({ 'k\u0000': ['a\u0000', 1, null], n: { v: 'ok' } })).toEqual({
      'k\uFFFD': ['a\uFFFD', 1, null],
      n: { v: 'ok' },
    });
  });
});
