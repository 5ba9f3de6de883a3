/**
 * Ed-Fi paths as the ODS/API matches them: case-insensitively
 * (`/changeQueries/v1/AvailableChangeVersions`, `/Data/V3/Ed-Fi/Students`) and
 * with or without a trailing slash (`/ed-fi/students/deletes/`). Fastify's
 * router is case-sensitive and exact, and its options for both are global; so
 * the gateway rewrites, before routing, only URLs under the Ed-Fi prefixes:
 * each fixed segment to the spelling its route has, and a trailing slash away.
 * Resource names stay as sent (the routes look them up case-insensitively), and
 * the query string is untouched.
 */

/** The fixed segments of the Ed-Fi routes, by lower-cased spelling. */
const SEGMENTS = new Map(
  [
    'data',
    'v3',
    'ed-fi',
    'tpdm',
    'migrant',
    'changeQueries',
    'v1',
    'availableChangeVersions',
    'deletes',
    'keyChanges',
    'partitions',
    'metadata',
    'specifications',
    'dependencies',
    'resources',
    'descriptors',
    'swagger.json',
    'resources-spec.json',
    'descriptors-spec.json',
  ].map((s) => [s.toLowerCase(), s]),
);

/** The first segments that make a URL an Ed-Fi one. */
const EDFI_ROOTS = new Set(['data', 'changequeries', 'metadata']);

/** The URL the Ed-Fi routes are registered under for what a client sent; any other URL unchanged. */
export function canonicalEdfiUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const segments = path.split('/');
  // segments[0] is '' (the path starts with '/').
  if (segments.length < 2 || !EDFI_ROOTS.has((segments[1] ?? '').toLowerCase())) return url;
  const out = segments.map((s) => SEGMENTS.get(s.toLowerCase()) ?? s);
  while (out.length > 2 && out[out.length - 1] === '') out.pop();
  const rewritten = out.join('/');
  return q < 0 ? rewritten : rewritten + url.slice(q);
}
