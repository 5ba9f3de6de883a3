import { createHash, randomBytes } from 'node:crypto';
import { pageSize } from '../paging.js';
import type { Db } from '../store/db.js';
import type { Principal, Role } from '../principal.js';
import type { TokenClaims } from './access-token.js';
import { isRole } from './clients.js';

/**
 * Server-side sign-in sessions. The browser's cookie holds only a random
 * 256-bit token; the session (who, which roles, until when, revoked or not)
 * lives in Postgres under the token's SHA-256, so signing out, or an
 * administrator revoking a person's sessions, ends them at once on every
 * gateway, and a copied cookie stops working with them.
 */
export interface SessionView {
  id: string;
  subject: string;
  name: string | null;
  state: string | null;
  roles: Role[];
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  ip: string | null;
}

interface Row {
  id: string;
  subject: string;
  name: string | null;
  state_code: string | null;
  roles: string[];
  created_at: Date | string;
  expires_at: Date | string;
  last_seen_at: Date | string;
  revoked_at: Date | string | null;
  revoked_by: string | null;
  ip: string | null;
}
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
const view = (r: Row): SessionView => ({
  id: r.id,
  subject: r.subject,
  name: r.name,
  state: r.state_code,
  roles: r.roles.filter(isRole),
  createdAt: iso(r.created_at)!,
  expiresAt: iso(r.expires_at)!,
  lastSeenAt: iso(r.last_seen_at)!,
  revokedAt: iso(r.revoked_at),
  revokedBy: r.revoked_by,
  ip: r.ip,
});

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Starts a session for a signed-in person; the token goes into the cookie and nowhere else. */
export async function createSession(
  db: Db,
  c: TokenClaims,
  opts: { ttlSeconds: number; ip?: string | null; now?: Date },
): Promise<{ token: string; session: SessionView }> {
  const token = randomBytes(32).toString('base64url');
  const now = opts.now ?? new Date();
  const r = await db.query<Row>(
    `INSERT INTO sessions (token_hash, subject, name, state_code, roles, created_at, expires_at, last_seen_at, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8) RETURNING *`,
    [
      hashOf(token),
      c.subject,
      c.name ?? null,
      c.state,
      c.roles,
      now.toISOString(),
      new Date(now.getTime() + opts.ttlSeconds * 1000).toISOString(),
      opts.ip ?? null,
    ],
  );
  return { token, session: view(r.rows[0]!) };
}

/** The live session a cookie token names, or null (unknown, expired or revoked). */
export async function openSession(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<{ session: SessionView; principal: Principal } | null> {
  if (!TOKEN.test(token)) return null;
  const r = await db.query<Row>(
    `UPDATE sessions SET last_seen_at = $2
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING *`,
    [hashOf(token), now.toISOString()],
  );
  const row = r.rows[0];
  if (!row) return null;
  const s = view(row);
  return {
    session: s,
    principal: { kind: 'person', subject: s.subject, clientId: null, state: s.state, roles: s.roles },
  };
}

/** Ends one session (sign-out, or an administrator). False when it was unknown or already ended. */
export async function revokeSession(
  db: Db,
  id: string,
  by: string,
  now: Date = new Date(),
): Promise<SessionView | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await db.query<Row>(
    'UPDATE sessions SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING *',
    [id, now.toISOString(), by],
  );
  return r.rows[0] ? view(r.rows[0]) : null;
}

/** Ends the session a cookie token names (sign-out); returns it when there was one. */
export async function revokeSessionByToken(
  db: Db,
  token: string,
  by: string,
  now: Date = new Date(),
): Promise<SessionView | null> {
  if (!TOKEN.test(token)) return null;
  const r = await db.query<Row>(
    'UPDATE sessions SET revoked_at = $2, revoked_by = $3 WHERE token_hash = $1 AND revoked_at IS NULL RETURNING *',
    [hashOf(token), now.toISOString(), by],
  );
  return r.rows[0] ? view(r.rows[0]) : null;
}

/** Ends every live session of one person (an administrator, when an account is suspended or a device lost). */
export async function revokeSubjectSessions(
  db: Db,
  subject: string,
  by: string,
  now: Date = new Date(),
): Promise<number> {
  const r = await db.query(
    `UPDATE sessions SET revoked_at = $2, revoked_by = $3
     WHERE subject = $1 AND revoked_at IS NULL AND expires_at > $2`,
    [subject, now.toISOString(), by],
  );
  return r.rowCount;
}

/** Sessions, newest first: all, or one person's; `active` keeps only live ones. */
export async function listSessions(
  db: Db,
  f: { subject?: string; active?: boolean; limit?: number } = {},
  now: Date = new Date(),
): Promise<SessionView[]> {
  const r = await db.query<Row>(
    `SELECT * FROM sessions
     WHERE ($1::text IS NULL OR subject = $1) AND (NOT $2 OR (revoked_at IS NULL AND expires_at > $3))
     ORDER BY created_at DESC LIMIT $4`,
    [f.subject ?? null, f.active ?? false, now.toISOString(), pageSize(f.limit)],
  );
  return r.rows.map(view);
}

/**
 * The display name and end of the live session a cookie token names, for the
 * portal's header; read-only (openSession, run by the auth hook on the same
 * request, already touched last_seen_at).
 */
export async function sessionHolder(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<{ name: string | null; expiresAt: string } | null> {
  if (!TOKEN.test(token)) return null;
  const r = await db.query<{ name: string | null; expires_at: Date | string }>(
    `SELECT name, expires_at FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2`,
    [hashOf(token), now.toISOString()],
  );
  const row = r.rows[0];
  return row ? { name: row.name, expiresAt: iso(row.expires_at)! } : null;
}
