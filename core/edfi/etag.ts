/**
 * ETags of Ed-Fi documents. The ETag is the document's change version, which
 * every write advances, so it changes exactly when the document does. Clients
 * may send it quoted (as emitted), unquoted (the DMS accepts both), weak, or `*`.
 */

/** The header value: a quoted change version. */
export const etagOf = (changeVersion: number): string => `"${changeVersion}"`;

/** The `_etag` property of a read: the same value, unquoted. */
export const etagValue = (changeVersion: number): string => String(changeVersion);

/** True when an If-Match / If-None-Match header names this version (or is `*`). */
export function etagMatches(header: string, changeVersion: number): boolean {
  return header
    .split(',')
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .some((t) => t === '*' || t === String(changeVersion));
}
