import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { Db } from '../store/db.js';
import type { Clock } from '../../lib/ttl-cache.js';
import {
  activeSigningKey,
  publishedKeys,
  type ActiveKeyResult,
  type KeyPolicy,
  type PublishedKey,
} from './signing-keys.js';

/**
 * An in-process cache over the signing keys table. Signing re-reads the active
 * key every few seconds (so a rotation by another process is picked up);
 * verification looks a kid up in the published set and reloads it when an
 * unknown kid appears, at most once per `reloadEverySeconds`, so random kids
 * in forged tokens cannot hammer the database.
 */
export class Keyring {
  private active: { at: number; res: ActiveKeyResult } | null = null;
  private published: {
    at: number;
    keys: Map<string, { key: CryptoKey; publishUntil: number }>;
    list: PublishedKey[];
  } | null = null;
  private lastReload = 0;

  constructor(
    private readonly db: Db,
    readonly policy: KeyPolicy,
    private readonly cacheMs = 10_000,
    /** The clock of this keyring's caches and of the verified-token cache over it (tests move it). */
    readonly now: Clock = Date.now,
  ) {}

  async signingKey(): Promise<ActiveKeyResult> {
    const now = this.now();
    if (
      this.active &&
      now - this.active.at < this.cacheMs &&
      (this.active.res.kind !== 'ok' || this.active.res.key.signUntil > now + 5000)
    ) {
      return this.active.res;
    }
    const res = await activeSigningKey(this.db, this.policy);
    this.active = { at: now, res };
    return res;
  }

  private async reload(): Promise<void> {
    const list = await publishedKeys(this.db);
    const keys = new Map<string, { key: CryptoKey; publishUntil: number }>();
    for (const k of list)
      keys.set(k.kid, {
        key: (await importJWK(k.jwk, (k.jwk as JWK).alg ?? 'ES256')) as CryptoKey,
        publishUntil: k.publishUntil,
      });
    this.published = { at: this.now(), keys, list };
    this.lastReload = this.now();
  }

  /** The public key for a kid, or null when no published key has it. */
  async verificationKey(kid: string): Promise<CryptoKey | null> {
    const now = this.now();
    if (!this.published || now - this.published.at > this.cacheMs * 6) await this.reload();
    let hit = this.published!.keys.get(kid);
    if (!hit && now - this.lastReload > this.cacheMs) {
      await this.reload();
      hit = this.published!.keys.get(kid);
    }
    return hit && hit.publishUntil > now ? hit.key : null;
  }

  /** The JWKS document. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.signingKey();
    await this.reload();
    return { keys: this.published!.list.map((k) => k.jwk) };
  }

  /** Forget cached keys (after a rotation in this process). */
  invalidate(): void {
    this.active = null;
    this.published = null;
    this.lastReload = 0;
  }
}
