/**
 * SIF environments: a consumer creates one with its application key and secret (a machine client's id and secret,
 * so the client's state and roles decide what it may do, as on every other surface) and then calls with the session
 * token. The token is stored hashed; the secret is sealed (SIGNING_KEY_SECRET), because SIF_HMACSHA256 needs it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Principal } from '../principal.js';
import { getClient, type Client } from '../security/clients.js';
import { seal, unseal } from '../security/seal.js';

export interface SifEnvironment {
  id: string;
  clientId: string;
  stateCode: string;
  solutionId: string | null;
  consumerName: string | null;
  defaultZone: string;
  createdAt: string;
}

interface Row {
  id: string;
  client_id: string;
  state_code: string;
  secret_sealed: string;
  solution_id: string | null;
  consumer_name: string | null;
  default_zone: string;
  created_at: Date | string;
}

const fromRow = (r: Row): SifEnvironment => ({
  id: r.id,
  clientId: r.client_id,
  stateCode: r.state_code,
  solutionId: r.solution_id,
  consumerName: r.consumer_name,
  defaultZone: r.default_zone,
  createdAt: new Date(r.created_at).toISOString(),
});

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

/** The zones a state's environment has: one, named after the state (its default zone). */
export function zonesOf(stateCode: string): string[] {
  return [stateCode];
}

/** Creates an environment for an authenticated client bound to a state; the session token is returned once. */
export async function createEnvironment(
  db: Db,
  input: { client: Client; secret: string; solutionId?: string; consumerName?: string; sealSecret: string },
): Promise<{ environment: SifEnvironment; sessionToken: string }> {
  const sessionToken = randomBytes(24).toString('base64url');
  const r = await db.query<Row>(
    `INSERT INTO sif_environments (token_hash, client_id, state_code, secret_sealed, solution_id, consumer_name,
     default_zone) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
    [
      hashToken(sessionToken),
      input.client.clientId,
      input.client.stateCode,
      seal(input.secret, input.sealSecret),
      input.solutionId?.slice(0, 200) ?? null,
      input.consumerName?.slice(0, 200) ?? null,
      input.client.stateCode,
    ],
  );
  return { environment: fromRow(r.rows[0]!), sessionToken };
}

export interface SifSession {
  environment: SifEnvironment;
  secret: string;
  principal: Principal;
}

/** The live environment a session token names, with its secret and the client's principal; null when unknown. */
export async function openSifSession(db: Db, sessionToken: string, sealSecret: string): Promise<SifSession | null> {
  const r = await db.query<Row>('SELECT * FROM sif_environments WHERE token_hash = $1 AND deleted_at IS NULL', [
    hashToken(sessionToken),
  ]);
  const row = r.rows[0];
  if (!row) return null;
  const client = await getClient(db, row.client_id);
  if (client?.status !== 'active') return null;
  const secret = unseal(row.secret_sealed, sealSecret);
  if (secret.kind !== 'ok') return null;
  return {
    environment: fromRow(row),
    secret: secret.plain,
    principal: {
      kind: 'client',
      subject: client.clientId,
      clientId: client.clientId,
      state: client.stateCode,
      roles: client.roles,
    },
  };
}

/** The environment a session token names (no secret). */
export async function environmentOfToken(db: Db, sessionToken: string): Promise<SifEnvironment | null> {
  const r = await db.query<Row>('SELECT * FROM sif_environments WHERE token_hash = $1 AND deleted_at IS NULL', [
    hashToken(sessionToken),
  ]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export async function getEnvironment(db: Db, id: string): Promise<SifEnvironment | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await db.query<Row>('SELECT * FROM sif_environments WHERE id = $1 AND deleted_at IS NULL', [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/** Deletes an environment of this client: its token stops working at once. */
export async function deleteEnvironment(db: Db, id: string, clientId: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const r = await db.query(
    'UPDATE sif_environments SET deleted_at = now() WHERE id = $1 AND client_id = $2 AND deleted_at IS NULL',
    [id, clientId],
  );
  return (r.rowCount ?? 0) > 0;
}
