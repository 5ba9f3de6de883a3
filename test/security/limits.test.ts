import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { injectAs } from '../support/auth.js';

let sys: TestSystem;
beforeAll(async () => { sys = await startSystem({ env: { RATE_LIMIT_MAX: '5' } }); });
afterAll(async () => { await sys?.close(); });

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
});
