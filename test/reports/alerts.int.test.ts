/**
 * The status board's alerts sent to a webhook (issue 14 item 4): a real HTTP receiver on loopback, the worker's
 * poster, a real Postgres. One event per problem however many messages it concerns, tried again after the receiver
 * refused it, never twice, and one more when the problem clears.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyAlerts, type AlertEvent } from '../../core/alerts.js';
import type { Db } from '../../core/store/db.js';
import { alertPoster } from '../../worker/processors/maintenance.js';
import { freshDb } from '../support/db.js';

let db: Db;
let drop: () => Promise<void>;
let server: Server;
let url: string;
const received: AlertEvent[] = [];
/** The receiver's answers, in order; 204 once they run out. */
const answers = [500];

beforeAll(async () => {
  ({ db, drop } = await freshDb('postgres'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push(JSON.parse(body) as AlertEvent);
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`;
  // Two deliveries to Texas that gave up: one problem.
  const ex = await db.query<{ id: string }>(
    `INSERT INTO exchanges (direction, kind, state_code, status, trace_id)
     VALUES ('outbound', 'notice', 'TX', 'dead', 't') RETURNING id`,
  );
  for (const key of ['a', 'b'])
    await db.query(
      `INSERT INTO deliveries (exchange_id, state_code, kind, idempotency_key, body, status, trace_id)
       VALUES ($1, 'TX', 'notice', $2, '{}', 'dead', 't')`,
      [ex.rows[0]!.id, key],
    );
}, 120_000);
afterAll(async () => {
  await new Promise((ok) => server?.close(ok));
  await drop?.();
});

describe('alert webhook', () => {
  it('announces a problem once, after the receiver took it, and once more when it clears', async () => {
    const send = alertPoster(url, 5000);
    expect(await notifyAlerts(db, send)).toEqual({ opened: 0, resolved: 0, failed: 1 });
    expect(await notifyAlerts(db, send)).toEqual({ opened: 1, resolved: 0, failed: 0 });
    expect(await notifyAlerts(db, send)).toEqual({ opened: 0, resolved: 0, failed: 0 });
    await db.query(`UPDATE deliveries SET status = 'cancelled'`);
    expect(await notifyAlerts(db, send)).toEqual({ opened: 0, resolved: 1, failed: 0 });
    expect(received.map((e) => [e.event, e.key])).toEqual([
      ['opened', 'dead-delivery:TX'],
      ['opened', 'dead-delivery:TX'],
      ['resolved', 'dead-delivery:TX'],
    ]);
    expect(received[1]).toMatchObject({
      kind: 'dead-delivery',
      stateCode: 'TX',
      message: expect.stringContaining('2 '),
    });
    const left = await db.query(`SELECT key FROM alert_notifications`);
    expect(left.rows).toEqual([]);
  });
});
