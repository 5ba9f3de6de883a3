import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { tokenFor } from '../support/auth.js';

/**
 * Issue 13 finding 7: behind a proxy every caller had one address and one token-request bucket, so 30 bad token
 * requests a minute from anyone locked every state out. With TRUST_PROXY the caller's address comes from
 * X-Forwarded-For, and the token limit is keyed by client id and address.
 */
let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem({ env: { TRUST_PROXY: '127.0.0.1', TOKEN_RATE_LIMIT_MAX: '3' } });
});
afterAll(async () => sys?.close());

const token = (clientId: string, secret: string, from: string) =>
  sys.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: 'grant_type=client_credentials',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': from,
    },
  });

describe('proxy-aware token limits', () => {
  it('locks out the guesser, not the client it guesses at, nor other states behind the same proxy', async () => {
    const tx = await tokenFor(sys, { state: 'TX', roles: ['state-system'] });
    const mi = await tokenFor(sys, { state: 'MI', roles: ['state-system'] });
    const guesses: number[] = [];
    for (let i = 0; i < 4; i++) guesses.push((await token(tx.clientId, `wrong-${i}`, '203.0.113.9')).statusCode);
    expect(guesses).toEqual([401, 401, 401, 429]);
    // The same proxy (the socket address), other callers: Texas's own system and Michigan get their tokens.
    expect((await token(tx.clientId, tx.clientSecret, '198.51.100.20')).statusCode).toBe(200);
    expect((await token(mi.clientId, mi.clientSecret, '198.51.100.21')).statusCode).toBe(200);
    expect((await token(mi.clientId, mi.clientSecret, '203.0.113.9')).statusCode).toBe(200);
    const denied = await sys.db.query<{ ip: string }>(
      `SELECT details->>'ip' AS ip FROM audit_events WHERE action = 'token.denied' ORDER BY seq DESC LIMIT 1`,
    );
    expect(denied.rows[0]!.ip).toBe('203.0.113.9');
  });
});
