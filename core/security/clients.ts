import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Brand } from '@msix/adapter-sdk/canonical';
import { ROLES, type Role } from '../principal.js';
import { DUMMY_HASH, hashSecret, newSecret, verifySecret } from './secret-hash.js';

/** The public half of a machine client's credentials (Ed-Fi calls it the key). */
export type ClientId = Brand<string, 'ClientId'>;

export interface Client {
  clientId: ClientId;
  stateCode: string | null;
  name: string;
  roles: Role[];
  status: 'active' | 'revoked';
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  lastTokenAt: string | null;
}

interface Row {
  client_id: string;
  state_code: string | null;
  name: string;
  roles: string[];
  status: 'active' | 'revoked';
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_valid_until: Date | string | null;
  created_at: Date | string;
  rotated_at: Date | string | null;
  revoked_at: Date | string | null;
  last_token_at: Date | string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const fromRow = (r: Row): Client => ({
  clientId: r.client_id as ClientId,
  stateCode: r.state_code,
  name: r.name,
  roles: r.roles.filter(isRole),
  status: r.status,
  createdAt: iso(r.created_at)!,
  rotatedAt: iso(r.rotated_at),
  revokedAt: iso(r.revoked_at),
  lastTokenAt: iso(r.last_token_at),
});

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

/** Roles a client bound to no state may hold: national roles only. */
const NATIONAL_ROLES: readonly Role[] = ['federal', 'help-desk', 'admin'];

export type NewClientResult = { kind: 'created'; client: Client; secret: string } | { kind: 'invalid'; reason: string };

/**
 * Creates a client for a state with the given roles. The secret is returned
 * once, here, and stored only as a hash. A client with no state may hold only
 * national roles (federal, help desk, admin).
 */
export async function createClient(
  db: Db,
  input: { stateCode: string | null; roles: readonly string[]; name?: string; clientId?: string },
): Promise<NewClientResult> {
  const roles = [...new Set(input.roles)];
  const bad = roles.filter((r) => !isRole(r));
  if (roles.length === 0 || bad.length)
    return {
      kind: 'invalid',
      reason: `roles must be among ${ROLES.join(', ')}${bad.length ? `; not ${bad.join(', ')}` : ''}`,
    };
  const state = input.stateCode ? input.stateCode.toUpperCase() : null;
  if (state === null && !roles.every((r) => NATIONAL_ROLES.includes(r as Role))) {
    return { kind: 'invalid', reason: `a client without a state may hold only ${NATIONAL_ROLES.join(', ')}` };
  }
  if (state !== null) {
    const s = await db.query<{ enabled: boolean }>('SELECT enabled FROM states WHERE code = $1', [state]);
    if (!s.rows[0]) return { kind: 'invalid', reason: `unknown state ${state}` };
  }
  const clientId = input.clientId ?? `${(state ?? 'us').toLowerCase()}_${randomBytes(12).toString('hex')}`;
  if (!/^[a-z0-9_-]{8,64}$/.test(clientId))
    return { kind: 'invalid', reason: 'a client id is 8 to 64 of a-z, 0-9, _ and -' };
  if (await getClient(db, clientId)) return { kind: 'invalid', reason: `client ${clientId} exists` };
  const secret = newSecret();
  const r = await db.query<Row>(
    `INSERT INTO clients (client_id, state_code, name, roles, secret_hash) VALUES ($1,$2,$3,$4,$5) RETURNING *`,
    [clientId, state, input.name ?? `${state ?? 'national'} client`, roles, await hashSecret(secret)],
  );
  return { kind: 'created', client: fromRow(r.rows[0]!), secret };
}

export async function getClient(db: Db, clientId: string): Promise<Client | null> {
  const r = await db.query<Row>('SELECT * FROM clients WHERE client_id = $1', [clientId]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export async function listClients(db: Db, stateCode?: string | null): Promise<Client[]> {
  const r = stateCode
    ? await db.query<Row>('SELECT * FROM clients WHERE state_code = $1 ORDER BY created_at', [stateCode.toUpperCase()])
    : await db.query<Row>('SELECT * FROM clients ORDER BY state_code NULLS FIRST, created_at');
  return r.rows.map(fromRow);
}

export type RotateResult =
  | { kind: 'rotated'; client: Client; secret: string }
  | { kind: 'not-found' }
  | { kind: 'revoked' };

/**
 * Issues a new secret. The old one keeps working for `graceSeconds` (0: stops
 * at once), so a state can roll the new secret out without an outage.
 */
export async function rotateClientSecret(db: Db, clientId: string, graceSeconds = 0): Promise<RotateResult> {
  const current = await db.query<Row>('SELECT * FROM clients WHERE client_id = $1', [clientId]);
  const row = current.rows[0];
  if (!row) return { kind: 'not-found' };
  if (row.status === 'revoked') return { kind: 'revoked' };
  const secret = newSecret();
  const r = await db.query<Row>(
    `UPDATE clients SET secret_hash = $2, rotated_at = now(),
       previous_secret_hash = CASE WHEN $3::int > 0 THEN secret_hash END,
       previous_valid_until = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END
     WHERE client_id = $1 RETURNING *`,
    [clientId, await hashSecret(secret), Math.max(0, Math.floor(graceSeconds))],
  );
  return { kind: 'rotated', client: fromRow(r.rows[0]!), secret };
}

/** Revokes a client: no new tokens, and tokens already issued stop being accepted. */
export async function revokeClient(db: Db, clientId: string): Promise<Client | null> {
  const r = await db.query<Row>(
    `UPDATE clients SET status = 'revoked', revoked_at = coalesce(revoked_at, now()), previous_secret_hash = NULL
     WHERE client_id = $1 RETURNING *`,
    [clientId],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export type ClientAuthResult =
  | { kind: 'ok'; client: Client }
  | { kind: 'unknown-client' }
  | { kind: 'bad-secret'; client: Client }
  | { kind: 'revoked'; client: Client };

/**
 * Checks a client id and secret. An unknown id still costs one scrypt, so
 * response time does not reveal which ids exist.
 */
export async function authenticateClient(db: Db, clientId: string, secret: string): Promise<ClientAuthResult> {
  const r = await db.query<Row>('SELECT * FROM clients WHERE client_id = $1', [clientId]);
  const row = r.rows[0];
  if (!row) {
    await verifySecret(secret, DUMMY_HASH);
    return { kind: 'unknown-client' };
  }
  const client = fromRow(row);
  let ok = await verifySecret(secret, row.secret_hash);
  if (
    !ok &&
    row.previous_secret_hash &&
    row.previous_valid_until &&
    new Date(row.previous_valid_until).getTime() > Date.now()
  ) {
    ok = await verifySecret(secret, row.previous_secret_hash);
  }
  if (!ok) return { kind: 'bad-secret', client };
  if (row.status !== 'active') return { kind: 'revoked', client };
  await db.query('UPDATE clients SET last_token_at = now() WHERE client_id = $1', [clientId]);
  return { kind: 'ok', client };
}

/** Whether a client may still use tokens issued to it (not revoked, still present). */
export async function clientIsActive(db: Db, clientId: string): Promise<boolean> {
  const r = await db.query<{ status: string }>('SELECT status FROM clients WHERE client_id = $1', [clientId]);
  return r.rows[0]?.status === 'active';
}
