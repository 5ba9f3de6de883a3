import { createHash, randomUUID } from 'node:crypto';

/**
 * SIF RefIds: accepted as 32 hex digits or as a dashed GUID (the NA 4.x GUIDType allows both), always stored and
 * emitted as 32 upper-case hex digits, the form of the specification's own examples.
 */
export function normalizeRefId(v: string | undefined | null): string | null {
  if (!v) return null;
  const t = v.trim();
  if (/^[0-9A-Fa-f]{32}$/.test(t)) return t.toUpperCase();
  if (/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(t))
    return t.replaceAll('-', '').toUpperCase();
  return null;
}

/** A new RefId: a random UUID's 32 hex digits (slices, not a replace: a 1,000-object request makes 1,000). */
export function newRefId(): string {
  const u = randomUUID();
  return (u.slice(0, 8) + u.slice(9, 13) + u.slice(14, 18) + u.slice(19, 23) + u.slice(24)).toUpperCase();
}

/** A RefId derived from a stable key (the same consolidated record always has the same RefId). */
export function derivedRefId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32).toUpperCase();
}
