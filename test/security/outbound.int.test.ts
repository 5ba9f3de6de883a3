import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isNonPublicAddress,
  outboundAgent,
  outboundRefusal,
  pinnedLookup,
  type OutboundPolicy,
} from '../../core/exchange/outbound.js';
import { classifyHttp } from '../../core/exchange/delivery/http.js';
import { webhookChannel } from '../../core/exchange/delivery/channels/webhook.js';

/**
 * Issue 13 finding 6 (SSRF): a state's exchange endpoint could point at any loopback port or any https host (cloud
 * metadata included); the worker posted student records there, and 200 bytes of the answer came back in lastError.
 */
let sys: TestSystem;
let admin: AuthedInject;
const SECRET = 'a-webhook-secret-of-enough-length-1234';

beforeAll(async () => {
  sys = await startSystem({
    env: {
      EXCHANGE_ALLOW_PRIVATE_ADDRESSES: 'false',
      EXCHANGE_ENDPOINT_HOSTS: JSON.stringify({ TX: ['localhost', '127.0.0.1', '*.tea.example'], CA: [] }),
    },
  });
  admin = await injectAs(sys, { state: null, roles: ['admin'] });
});
afterAll(async () => sys?.close());

const put = (state: string, url: string) =>
  admin({
    method: 'PUT',
    url: `/api/v1/states/${state}/exchange-endpoint`,
    payload: { delivery: { channel: 'webhook', url, secret: SECRET } },
  });

describe('outbound safety', () => {
  it('refuses endpoints on loopback, link-local (cloud metadata) and private addresses', async () => {
    for (const url of ['http://127.0.0.1:6379/', 'http://localhost:9200/', 'https://127.0.0.1/']) {
      const r = await put('TX', url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().errors[0]).toMatchObject({ rule: 'outbound' });
    }
    expect(
      await outboundRefusal('https://meta.tea.example/latest', 'TX', { allowPrivate: false, hosts: null }, async () => [
        '169.254.169.254',
      ]),
    ).toMatch(/link-local/);
    expect(
      await outboundRefusal('https://api.tea.example/', 'TX', { allowPrivate: false, hosts: null }, async () => [
        '93.184.216.34',
        '10.0.0.8',
      ]),
    ).toMatch(/private/);
    expect(
      await outboundRefusal('https://api.tea.example/', 'TX', { allowPrivate: false, hosts: null }, async () => [
        '93.184.216.34',
      ]),
    ).toBeNull();
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0'])
      expect(isNonPublicAddress(ip), ip).toBe(true);
    for (const ip of ['::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::'])
      expect(isNonPublicAddress(ip), ip).toBe(true);
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isNonPublicAddress(ip), ip).toBe(false);
  });

  it("refuses a host that is not on the state's allow-list", async () => {
    const r = await put('CA', 'https://example.com/hook');
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].message).toMatch(/allow-list/);
    expect((await put('TX', 'https://evil.example/hook')).statusCode).toBe(400);
  });

  it('never keeps what the other side answered', () => {
    const banner = 'SSH-2.0-OpenSSH_9.6 internal-host-name';
    const policy = { baseMs: 10, maxMs: 100 };
    for (const status of [400, 404, 500, 503]) {
      const c = classifyHttp({ kind: 'response', status, retryAfter: null, text: banner }, policy);
      expect(JSON.stringify(c)).not.toContain('SSH');
    }
  });

  it('connects only to addresses it checked: DNS turning private after the check reaches nothing', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // DNS rebinding: the first answer (the check before the attempt) is public, the next (the connection) loopback.
      const asked: string[] = [];
      const answers = [['93.184.216.34'], ['127.0.0.1']];
      const policy: OutboundPolicy = {
        allowPrivate: false,
        hosts: { TX: ['*.tea.example'] },
        resolve: async (host) => {
          asked.push(host);
          return answers[Math.min(asked.length - 1, answers.length - 1)]!;
        },
      };
      const url = `http://rebind.tea.example:${port}/hook`;
      expect(await outboundRefusal(url, 'TX', policy)).toBeNull();
      const message = { id: 'd-1', kind: 'move-notice', idempotencyKey: 'k-1', sequence: null, traceId: 't-1' };
      const result = await webhookChannel({ baseMs: 10, maxMs: 100 }).send(
        message as never,
        { url, secret: SECRET },
        { timeoutMs: 5000, dispatcher: outboundAgent(policy) },
      );
      // Refused by the connection's own lookup (a system lookup of this name would fail as ENOTFOUND, transient).
      expect(result).toEqual({
        kind: 'invalid',
        reason:
          'not called: rebind.tea.example resolves to a loopback, private or link-local address, which the ' +
          'gateway never calls',
      });
      expect(asked).toEqual(['rebind.tea.example', 'rebind.tea.example']);
      expect(hits).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('hands the connection exactly the public addresses it resolved', async () => {
    const lookup = pinnedLookup(async () => ['93.184.216.34', '2606:4700::1111']);
    const one = await new Promise((resolve, reject) =>
      lookup('api.tea.example', {}, (err, address, family) => (err ? reject(err) : resolve({ address, family }))),
    );
    expect(one).toEqual({ address: '93.184.216.34', family: 4 });
    const all = await new Promise((resolve, reject) =>
      lookup('api.tea.example', { all: true }, (err, address) => (err ? reject(err) : resolve(address))),
    );
    expect(all).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
    const six = await new Promise((resolve, reject) =>
      lookup('api.tea.example', { family: 6 }, (err, address) => (err ? reject(err) : resolve(address))),
    );
    expect(six).toBe('2606:4700::1111');
    const refused = await new Promise((resolve) =>
      pinnedLookup(async () => ['93.184.216.34', '169.254.169.254'])('meta.tea.example', {}, (err) => resolve(err)),
    );
    expect(refused).toMatchObject({ code: 'EOUTBOUNDREFUSED' });
  });
});
