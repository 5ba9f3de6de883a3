import { describe, expect, it } from 'vitest';
import { parseCollectionQuery, parsePagingQuery } from '../../core/edfi/query.js';
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
});
