import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../gateway/app.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { injectAs, tokenFor } from '../support/auth.js';

let sys: TestSystem;
/** A second gateway process: another app on the same database and the same Redis. */
let second: FastifyInstance;
beforeAll(async () => {
  sys = await startSystem({ env: { RATE_LIMIT_MAX: '5' } });
  second = await buildApp(sys.app.ctx);
});
afterAll(async () => {
  await second?.close();
  await sys?.close();
});

describe('rate limits', () => {
  it('limits each client by its id, not by the address it shares with others', async () => {
    const a = await injectAs(sys, { state: 'TX', roles: ['state-system'] });
    const b = await injectAs(sys, { state: 'MI', roles: ['state-system'] });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await a('/api/v1/exchanges')).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await a('/api/v1/exchanges');
    expect(limited.json()).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await b('/api/v1/exchanges')).statusCode).toBe(200);
  });

  it('gives a client one budget across gateway processes that share Redis', async () => {
    const { token, clientId } = await tokenFor(sys, { state: 'FL', roles: ['state-system'] });
    const headers = { authorization: `Bearer ${token}` };
    const codes: string[] = [];
    // Alternate between the two gateways: each alone would allow 5.
    for (let i = 0; i < 8; i++) {
      const [name, app] = i % 2 === 0 ? (['one', sys.app] as const) : (['two', second] as const);
      codes.push(`${name}:${(await app.inject({ url: '/api/v1/exchanges', headers })).statusCode}`);
    }
    expect(codes).toEqual(['one:200', 'two:200', 'one:200', 'two:200', 'one:200', 'two:429', 'one:429', 'two:429']);
    // The counters are in Redis, under this system's prefix.
    const prefix = sys.app.ctx.sharedLimits!.prefix;
    const redis = new Redis(sys.app.ctx.sharedLimits!.redis as string);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.some((k) => k.endsWith(`p:${clientId}`))).toBe(true);
      expect(keys.some((k) => k.includes('flood:'))).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps answering, without limits, when the rate-limit Redis is unreachable', async () => {
    const lonely = await buildApp({
      ...sys.app.ctx,
      sharedLimits: { redis: 'redis://127.0.0.1:1', prefix: 'unreachable:' },
    });
    try {
      const { token } = await tokenFor(sys, { state: 'CA', roles: ['state-system'] });
      const codes: number[] = [];
      for (let i = 0; i < 7; i++)
        codes.push(
          (await lonely.inject({ url: '/api/v1/exchanges', headers: { authorization: `Bearer ${token}` } })).statusCode,
        );
      expect(codes).toEqual([200, 200, 200, 200, 200, 200, 200]);
    } finally {
      await lonely.close();
    }
  });
});

describe('token endpoint limit across gateway processes', () => {
  let tsys: TestSystem;
  let other: FastifyInstance;
  beforeAll(async () => {
    tsys = await startSystem({ env: { TOKEN_RATE_LIMIT_MAX: '4' } });
    other = await buildApp(tsys.app.ctx);
  });
  afterAll(async () => {
    await other?.close();
    await tsys?.close();
  });

  it('counts token requests from one address on every gateway against one TOKEN_RATE_LIMIT_MAX', async () => {
    const basic = `Basic ${Buffer.from('no-such-client:wrong-secret').toString('base64')}`;
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const app = i % 2 === 0 ? tsys.app : other;
      codes.push(
        (
          await app.inject({
            method: 'POST',
            url: '/oauth/token',
            payload: 'grant_type=client_credentials',
            headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).statusCode,
      );
    }
    expect(codes.slice(0, 4).every((c) => c === 401 || c === 400)).toBe(true);
    expect(codes.slice(4)).toEqual([429, 429]);
  });
});
