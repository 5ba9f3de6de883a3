import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type GatewayApp } from '../../gateway/app.js';
import { loadConfig } from '../../runtime/config.js';
import { UNDER_PRESSURE_IN_FLIGHT, type PressureReading } from '../../gateway/plugins/overload.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * The overload guard (gateway/plugins/overload.ts) on the real gateway: pressure readings are injected (no event
 * loop blocked, no sampler timer waited out), in-flight requests are held on a gate the test opens.
 */
let sys: TestSystem;
let app: GatewayApp;
const reading: PressureReading = { eventLoopDelayMs: 0, heapUsedBytes: 0 };
let openGate: () => void = () => {};
let gate = Promise.resolve();
/** The raw responses of the requests now waiting at the gate, and who waits for how many of them. */
const held: ServerResponse[] = [];
let heldWaiter: { n: number; resolve: () => void } | null = null;
const heldCount = (n: number) =>
  held.length >= n ? Promise.resolve() : new Promise<void>((resolve) => (heldWaiter = { n, resolve }));

beforeAll(async () => {
  sys = await startSystem();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    OVERLOAD_MAX_IN_FLIGHT: '8',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '200',
    OVERLOAD_MAX_HEAP_USED_MB: '512',
    OVERLOAD_RETRY_AFTER_SECONDS: '3',
  });
  app = await buildApp({ ...sys.app.ctx, config }, { pressure: () => reading });
  // A route that stays in flight until the test opens its gate.
  app.get('/test/held', { config: { access: { public: true } } }, async (_request, reply) => {
    held.push(reply.raw);
    if (heldWaiter && held.length >= heldWaiter.n) heldWaiter.resolve();
    await gate;
    held.splice(held.indexOf(reply.raw), 1);
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await sys?.close();
});

const exempt = ['/health', '/health/live', '/health/ready', '/metrics'];

/** Requests now held at the gate, started by {@link hold}. */
let pending: Promise<{ statusCode: number }>[] = [];
/** Closes the gate (if open) and keeps `n` more requests in flight behind it. */
async function hold(n: number): Promise<void> {
  if (!pending.length) gate = new Promise((r) => (openGate = r));
  const target = held.length + n;
  for (let i = 0; i < n; i++) pending.push(app.inject({ url: '/test/held' }));
  await heldCount(target);
}
/** Opens the gate: every held request is answered 200. */
async function release(): Promise<void> {
  openGate();
  expect((await Promise.all(pending)).every((r) => r.statusCode === 200)).toBe(true);
  pending = [];
}

async function expectShed(url: string, headers: Record<string, string> = {}) {
  const r = await app.inject({ url, headers });
  expect(r.statusCode).toBe(503);
  expect(r.headers['retry-after']).toBe('3');
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.json()).toMatchObject({
    status: 503,
    code: 'GW_ERR_OVERLOADED',
    type: 'urn:msix-gateway:problem:overloaded',
    correlationId: expect.any(String),
  });
  return r;
}

describe('overload guard', () => {
  it('sheds with 503, Retry-After and a coded problem while the loop is late; health, metrics exempt', async () => {
    reading.eventLoopDelayMs = 250;
    // A process under pressure still works on a few requests: it sheds the excess, not everything.
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
    await hold(UNDER_PRESSURE_IN_FLIGHT);
    expect((await expectShed('/docs/json')).json().detail).toContain('event-loop-delay');
    // Every surface, before authentication (503, not 401): a flood without tokens costs no token check either.
    await expectShed('/api/v1/exchanges');
    await expectShed('/data/v3/ed-fi/students');
    await expectShed('/portal');
    for (const url of exempt) expect((await app.inject({ url })).statusCode, url).toBe(200);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/msix_http_shed_total\{reason="event-loop-delay"\} [1-9]/);
    reading.eventLoopDelayMs = 0;
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
    await release();
  });

  it('sheds while the heap is over its limit', async () => {
    await hold(UNDER_PRESSURE_IN_FLIGHT);
    reading.heapUsedBytes = 600 * 1024 * 1024;
    expect((await expectShed('/docs/json')).json().detail).toContain('heap');
    reading.heapUsedBytes = 0;
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
    await release();
  });

  it('sheds past the in-flight limit and admits again as requests finish or their clients go away', async () => {
    await hold(8);
    expect((await expectShed('/test/held')).json().detail).toContain('in-flight');
    for (const url of exempt) expect((await app.inject({ url })).statusCode, url).toBe(200);
    await release();
    expect((await app.inject({ url: '/test/held' })).statusCode).toBe(200);

    // A client on a real socket that hangs up frees its slot without its response being sent.
    await hold(7);
    const { port } = app.server.address() as { port: number };
    const client = http.get({ host: '127.0.0.1', port, path: '/test/held' });
    client.on('error', () => {});
    await heldCount(8);
    await expectShed('/test/held');
    const gone = held.find((r) => r.req.socket?.remotePort === client.socket?.localPort)!;
    client.destroy();
    await once(gone, 'close');
    await hold(1);
    await release();
  });
});
