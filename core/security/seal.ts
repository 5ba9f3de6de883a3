import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * Seals secrets at rest (private signing keys, states' endpoint secrets) with
 * a secret from the environment (AES-256-GCM), so a database backup alone
 * cannot mint tokens or sign deliveries. Without a secret (development) the
 * text is stored as is; docs/security.md tells operators to set one.
 */
/** Every sealed value starts with this; a stored value without it was stored plain. */
export const SEALED_PREFIX = 'sealed:v1:';
const PREFIX = SEALED_PREFIX;
const keys = new Map<string, Buffer>();

function keyFor(secret: string): Buffer {
  let k = keys.get(secret);
  if (!k) {
    k = scryptSync(secret, 'msix-gateway signing-key seal', 32);
    keys.set(secret, k);
  }
  return k;
}

export function seal(plain: string, secret: string): string {
  if (!secret) return plain;
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyFor(secret), iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return PREFIX + [iv, c.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export type UnsealResult = { kind: 'ok'; plain: string } | { kind: 'no-secret' } | { kind: 'wrong-secret' };

export function unseal(stored: string, secret: string): UnsealResult {
  if (!stored.startsWith(PREFIX)) return { kind: 'ok', plain: stored };
  if (!secret) return { kind: 'no-secret' };
  const [iv, tag, body] = stored
    .slice(PREFIX.length)
    .split('.')
    .map((p) => Buffer.from(p, 'base64url'));
  try {
    const d = createDecipheriv('aes-256-gcm', keyFor(secret), iv!);
    d.setAuthTag(tag!);
    return { kind: 'ok', plain: Buffer.concat([d.update(body!), d.final()]).toString('utf8') };
  } catch {
    return { kind: 'wrong-secret' };
  }
}
