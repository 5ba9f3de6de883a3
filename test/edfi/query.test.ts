import { describe, expect, it } from 'vitest';
import { parseCollectionQuery, parsePagingQuery, parsePartitionsQuery } from '../../core/edfi/query.js';
import { findResource } from '../../specs/edfi/catalog.js';

describe('Ed-Fi query parsers', () => {
  it('refuse a value that is not text with an error, not a throw (fuzz find, issue 18)', () => {
    // String() of an object whose toString is not a function threw a TypeError out of the pure parser.
    const raw = { limit: { toString: 1 }, firstName: 'Ana' };
    expect(parseCollectionQuery(findResource('students')!, raw)).toEqual({
      kind: 'bad',
      errors: ["The parameter 'limit' must be text."],
    });
    expect(parsePagingQuery({ offset: Object.create(null) })).toMatchObject({ kind: 'bad' });
    expect(parseCollectionQuery(findResource('students')!, { firstName: 'Ana', limit: 5 })).toMatchObject({
      kind: 'ok',
    });
  });

  it('refuse a partitions number that is not one text value (10,000-input fuzz find, issue 18)', () => {
    // String() of an array holding a null-prototype object threw out of parsePartitionsQuery.
    const students = findResource('students')!;
    expect(parsePartitionsQuery(students, { number: [[Object.create(null)]] })).toEqual({
      kind: 'bad',
      errors: ["The parameter 'number' is given more than once."],
    });
    expect(parsePartitionsQuery(null, { Number: { toString: 1 } })).toMatchObject({ kind: 'bad' });
    expect(parsePartitionsQuery(null, { Number: '3' })).toEqual({ kind: 'ok', query: null, number: 3 });
    expect(parsePartitionsQuery(students, { number: '0' })).toMatchObject({ kind: 'bad' });
  });
});
