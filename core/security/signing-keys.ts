import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Db } from '../store/db.js';
import { seal, unseal } from './seal.js';

/**
 * The gateway's token signing keys, kept in Postgres so that every gateway
 * process signs with the same key and publishes the same JWKS. A key signs
 * for `rotateAfterSeconds`, then a new one takes over; the old one stays
 * published until the last token it signed has expired.
 */
export const SIGNING_ALG = 'ES256';
// Serializes key creation so two gateways starting together make one key.
const KEY_LOCK = 727_010;

export interface KeyPolicy {
  rotateAfterSeconds: number;
  /** Longest lifetime of anything signed (tokens, sessions): how long a retired key stays published. */
  maxTokenSeconds: number;
  /** Seals private keys at rest; empty in development. */
  sealSecret: string;
}

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  signUntil: number;
}

export interface PublishedKey {
  kid: string;
  jwk: JWK;
  publishUntil: number;
}

interface Row {
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_jwk: string;
  sign_until: Date | string;
  publish_until: Date | string;
}

export type ActiveKeyResult = { kind: 'ok'; key: SigningKey } | { kind: 'sealed'; reason: string };

async function toSigningKey(row: Row, sealSecret: string): Promise<ActiveKeyResult> {
  const u = unseal(row.private_jwk, sealSecret);
  if (u.kind !== 'ok')
    return {
      kind: 'sealed',
      reason:
        u.kind === 'no-secret'
          ? 'SIGNING_KEY_SECRET is not set but the signing key is sealed'
          : 'SIGNING_KEY_SECRET does not open the signing key',
    };
  const privateKey = (await importJWK(JSON.parse(u.plain) as JWK, row.alg)) as CryptoKey;
  return { kind: 'ok', key: { kid: row.kid, alg: row.alg, privateKey, signUntil: new Date(row.sign_until).getTime() } };
}

/** Creates a new signing key now, whatever the current one's age (`clients keys rotate`). */
export async function createSigningKey(db: Db, policy: KeyPolicy): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomUUID();
  const pub = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const priv = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG });
  await db.query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, sign_until, publish_until)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int), now() + make_interval(secs => $5::int + $6::int))`,
    [
      kid,
      SIGNING_ALG,
      JSON.stringify(pub),
      seal(priv, policy.sealSecret),
      policy.rotateAfterSeconds,
      policy.maxTokenSeconds,
    ],
  );
  return kid;
}

/** Ends signing with every current key; the next call to activeSigningKey makes a new one. */
export async function retireSigningKeys(db: Db): Promise<number> {
  const r = await db.query(
    `UPDATE signing_keys SET sign_until = now(), publish_until = LEAST(publish_until,
     now() + (publish_until - sign_until)) WHERE sign_until > now()`,
  );
  return r.rowCount;
}

/**
 * The signing policy a gateway's settings give (days to sign with a key; the longest token or session a retired key
 * must still verify, plus a minute of clock skew; the sealing secret).
 */
export function signingKeyPolicy(c: {
  SIGNING_KEY_ROTATE_DAYS: number;
  TOKEN_TTL_SECONDS: number;
  SESSION_TTL_SECONDS: number;
  SIGNING_KEY_SECRET: string;
}): KeyPolicy {
  return {
    rotateAfterSeconds: Math.round(c.SIGNING_KEY_ROTATE_DAYS * 86_400),
    maxTokenSeconds: Math.max(c.TOKEN_TTL_SECONDS, c.SESSION_TTL_SECONDS) + 60,
    sealSecret: c.SIGNING_KEY_SECRET,
  };
}

/**
 * Signs with a new key from now on (`clients keys rotate`, POST /api/v1/admin/signing-keys/rotate): the current keys
 * are retired and the new one made in one transaction, under the lock activeSigningKey takes, so no gateway makes a
 * key of its own in between.
 */
export async function rotateSigningKeys(db: Db, policy: KeyPolicy): Promise<{ kid: string; retired: number }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    const retired = await retireSigningKeys(tx);
    return { kid: await createSigningKey(tx, policy), retired };
  });
}

/** The key to sign with now, creating one when none is current. */
export async function activeSigningKey(db: Db, policy: KeyPolicy): Promise<ActiveKeyResult> {
  const pick = (q: Db) =>
    q.query<Row>(
      `SELECT * FROM signing_keys WHERE sign_until > now() + interval '5 seconds' ORDER BY created_at DESC LIMIT 1`,
    );
  const found = (await pick(db)).rows[0];
  if (found) return toSigningKey(found, policy.sealSecret);
  const row = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    const again = (await pick(tx)).rows[0];
    if (again) return again;
    await createSigningKey(tx, policy);
    return (await pick(tx)).rows[0]!;
  });
  return toSigningKey(row, policy.sealSecret);
}

/** Every public key that may have signed a token still valid: the JWKS. */
export async function publishedKeys(db: Db): Promise<PublishedKey[]> {
  const r = await db.query<Row>(
    'SELECT kid, alg, public_jwk, publish_until FROM signing_keys WHERE publish_until > now() ORDER BY created_at DESC',
  );
  return r.rows.map((k) => ({ kid: k.kid, jwk: k.public_jwk, publishUntil: new Date(k.publish_until).getTime() }));
}
