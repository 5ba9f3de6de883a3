import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startSystem, type TestSystem } from '../support/system.js';
import { movableClock } from '../support/clock.js';
import { tokenFor, withToken } from '../support/auth.js';
import { createClient, revokeClient, rotateClientSecret } from '../../core/security/clients.js';
import { retireSigningKeys } from '../../core/security/signing-keys.js';

let sys: TestSystem;
/** The gateway's cache clock: revocation is cached for five seconds, so the test moves it instead of waiting. */
const clock = movableClock();
beforeAll(async () => {
  sys = await startSystem({ env: { SIGNING_KEY_SECRET: 'test-seal-secret' }, cacheClock: clock });
});
afterAll(async () => {
  await sys?.close();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = 'application/x-www-form-urlencoded';
async function newClient(state = 'TX', roles = ['state-system']) {
  const c = await createClient(sys.db, { stateCode: state, roles });
  if (c.kind !== 'created') throw new Error(c.reason);
  return { id: c.client.clientId, secret: c.secret };
}

describe('POST /oauth/token (client credentials)', () => {
  it('issues a signed JWT for Basic + form, form-only and JSON bodies', async () => {
    const c = await newClient();
    const viaBasic = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: { authorization: basic(c.id, c.secret), 'content-type': form },
    });
    expect(viaBasic.statusCode).toBe(200);
    expect(viaBasic.headers['cache-control']).toBe('no-store');
    const body = viaBasic.json();
    expect(body).toMatchObject({
      token_type: 'bearer',
      expires_in: sys.config.TOKEN_TTL_SECONDS,
      scope: 'state-system',
    });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      sub: c.id,
      client_id: c.id,
      state: 'TX',
      roles: ['state-system'],
      aud: 'msix-gateway',
      iss: 'urn:msix-gateway',
    });
    expect(claims.exp! - claims.iat!).toBe(sys.config.TOKEN_TTL_SECONDS);
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });

    const viaForm = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: `grant_type=client_credentials&client_id=${c.id}&client_secret=${encodeURIComponent(c.secret)}`,
      headers: { 'content-type': form },
    });
    expect(viaForm.statusCode).toBe(200);
    const viaJson = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret },
    });
    expect(viaJson.statusCode).toBe(200);
  });

  it('refuses wrong secrets, unknown clients, other grants and revoked clients, and audits each failure', async () => {
    const c = await newClient();
    const before = (
      await sys.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'token.denied'`)
    ).rows[0]!.n;
    const wrong = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: { authorization: basic(c.id, 'nope'), 'content-type': form },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toContain('application/json');
    expect(wrong.json()).toMatchObject({ code: 'GW_ERR_UNAUTHENTICATED', error: 'invalid_client' });
    const unknown = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: { authorization: basic('tx_000000000000000000000000', 'x'), 'content-type': form },
    });
    expect(unknown.statusCode).toBe(401);
    const grant = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=password',
      headers: { authorization: basic(c.id, c.secret), 'content-type': form },
    });
    expect(grant.statusCode).toBe(400);
    expect(grant.json().error).toBe('unsupported_grant_type');
    await revokeClient(sys.db, c.id);
    const revoked = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: { authorization: basic(c.id, c.secret), 'content-type': form },
    });
    expect(revoked.statusCode).toBe(401);
    const after = (
      await sys.db.query<{ n: number; secret_leak: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE details::text LIKE $1)::int AS secret_leak FROM audit_events
         WHERE action = 'token.denied'`,
        [`%${c.secret}%`],
      )
    ).rows[0]!;
    expect(after.n - before).toBe(4);
    expect(after.secret_leak).toBe(0);
  });

  it("stops accepting a revoked client's tokens, and a rotated secret replaces the old one", async () => {
    const t = await tokenFor(sys, { state: 'MI', roles: ['state-system'] });
    const mi = withToken(sys, t.token);
    expect((await mi('/api/v1/exchanges')).statusCode).toBe(200);
    const rot = await rotateClientSecret(sys.db, t.clientId);
    expect(rot.kind).toBe('rotated');
    const old = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: { authorization: basic(t.clientId, t.clientSecret), 'content-type': form },
    });
    expect(old.statusCode).toBe(401);
    await revokeClient(sys.db, t.clientId);
    clock.advance(5100);
    const r = await mi('/api/v1/exchanges');
    expect(r.statusCode).toBe(401);
    expect(r.json().reason).toBe('revoked');
  });

  it('publishes the signing keys and introspects tokens Ed-Fi style', async () => {
    const jwks = (await sys.app.inject('/.well-known/jwks.json')).json();
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const t = await tokenFor(sys, { state: 'TX', roles: ['state-system'] });
    const info = await withToken(
      sys,
      t.token,
    )({ method: 'POST', url: '/oauth/token_info', payload: `token=${t.token}`, headers: { 'content-type': form } });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ active: true, client_id: t.clientId, state: 'TX', roles: ['state-system'] });
    const other = await tokenFor(sys, { state: 'CA', roles: ['state-system'] });
    const foreign = await withToken(
      sys,
      other.token,
    )({ method: 'POST', url: '/oauth/token_info', payload: { token: t.token } });
    expect(foreign.json()).toEqual({ active: false });
    expect(
      (await sys.app.inject({ method: 'POST', url: '/oauth/token_info', payload: { token: t.token } })).statusCode,
    ).toBe(401);
  });

  it(
    'rotates signing keys: new tokens use the new key, old tokens stay valid, both are published, private ' +
      'keys sealed',
    async () => {
      const before = await tokenFor(sys, { state: 'WA', roles: ['state-system'] });
      const oldKid = decodeProtectedHeader(before.token).kid;
      expect(await retireSigningKeys(sys.db)).toBeGreaterThan(0);
      sys.app.security.keyring.invalidate();
      const fresh = await sys.app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id: before.clientId, client_secret: before.clientSecret },
      });
      const newKid = decodeProtectedHeader(fresh.json().access_token).kid;
      expect(newKid).not.toBe(oldKid);
      const kids = (await sys.app.inject('/.well-known/jwks.json')).json().keys.map((k: { kid: string }) => k.kid);
      expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
      expect((await withToken(sys, before.token)('/api/v1/exchanges')).statusCode).toBe(200);
      expect((await withToken(sys, fresh.json().access_token)('/api/v1/exchanges')).statusCode).toBe(200);
      const stored = await sys.db.query<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys');
      expect(stored.rows.every((r) => r.private_jwk.startsWith('sealed:v1:'))).toBe(true);
    },
  );
});
