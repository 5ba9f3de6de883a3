/**
 * SIF queues (issue 15 item 4): every consumer's queue gets its own copy of each event, with its own message id, and
 * acknowledging it on one queue leaves the other queues' copies; an acknowledgement names one message; the first
 * acknowledgement also tells the state's inbox (the exchange ledger) that the state has the message. A queue gets
 * only what is placed while it is subscribed (SIF 3 events go to the consumers subscribed when they are published),
 * and the placement and migration 140's backfill apply the same copy rule.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxChannel } from '../../core/exchange/delivery/channels/inbox.js';
import type { MessageEnvelope } from '../../core/exchange/messages.js';
import { createExchange } from '../../core/ledger.js';
import { createClient } from '../../core/security/clients.js';
import { sifAuthorization } from '../../core/security/sif-hmac.js';
import type { Db } from '../../core/store/db.js';
import { startSystem, type TestSystem } from '../support/system.js';

const INFRA = 'http://www.sifassociation.org/infrastructure/3.2.1';
const BASE = '/sif/v3';

type Reply = Awaited<ReturnType<TestSystem['app']['inject']>>;

interface Consumer {
  call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: string): Promise<Reply>;
  queueId: string;
  subscriptionId: string;
  subscribe(): Promise<string>;
}

describe('SIF queues, one per consumer', () => {
  let sys: TestSystem;

  /** A consumer: its own environment, a queue subscribed to StudentRecordExchanges in Texas's zone. */
  async function consumer(): Promise<Consumer> {
    const c = await createClient(sys.db, { stateCode: 'TX', roles: ['state-system'] });
    if (c.kind !== 'created') throw new Error(c.reason);
    const env = await sys.app.inject({
      method: 'POST',
      url: `${BASE}/environments/environment`,
      headers: { authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}` },
    });
    const token = /<sessionToken>([^<]+)</.exec(env.body)![1]!;
    const call: Consumer['call'] = (method, url, body) =>
      sys.app.inject({
        method,
        url: BASE + url,
        ...(body ? { payload: body } : {}),
        headers: { authorization: sifAuthorization('Basic', token, c.secret), 'content-type': 'application/xml' },
      });
    const q = await call('POST', '/queues', `<queue xmlns="${INFRA}"><name>events</name></queue>`);
    const queueId = /<queue [^>]*id="([^"]+)"/.exec(q.body)![1]!;
    const subscribe = async () => {
      const s = await call(
        'POST',
        '/subscriptions',
        `<subscription xmlns="${INFRA}"><zoneId>TX</zoneId><contextId>DEFAULT</contextId>` +
          `<serviceType>OBJECT</serviceType><serviceName>StudentRecordExchanges</serviceName>` +
          `<queueId>${queueId}</queueId></subscription>`,
      );
      expect(s.statusCode, s.body).toBe(201);
      return /<subscription [^>]*id="([^"]+)"/.exec(s.body)![1]!;
    };
    return { call, queueId, subscriptionId: await subscribe(), subscribe };
  }

  /** A move notice for Texas placed in its inbox as the delivery engine places it. */
  async function place(noticeId: string): Promise<string> {
    const exchange = await createExchange(sys.db, {
      direction: 'outbound',
      kind: 'delivery',
      stateCode: 'TX',
      status: 'completed',
      traceId: 't',
    });
    const id = randomUUID();
    const envelope: MessageEnvelope = {
      id: id as MessageEnvelope['id'],
      idempotencyKey: `msix-dlv-${id}`,
      kind: 'move-notice',
      to: 'TX',
      msixId: null,
      sequence: 1,
      createdAt: new Date().toISOString(),
      traceId: 't',
      data: { noticeId, role: 'arrived' },
    };
    await sys.db.query(
      `INSERT INTO deliveries (id, exchange_id, state_code, kind, idempotency_key, body, status, trace_id)
       VALUES ($1, $2, 'TX', 'move-notice', $3, $4, 'sending', 't')`,
      [id, exchange.id, envelope.idempotencyKey, JSON.stringify(envelope)],
    );
    expect((await inboxChannel(sys.db).send(envelope, { channel: 'inbox' }, { timeoutMs: 1000 })).kind).toBe('ok');
    return id;
  }

  const noticeOf = (body: string) => /Name="NoticeId">([^<]+)</.exec(body)?.[1];

  beforeAll(async () => {
    sys = await startSystem();
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('gives each queue its own copy, acknowledged on that queue alone, one message at a time', async () => {
    const a = await consumer();
    const b = await consumer();
    const first = await place('N-1');
    await place('N-2');

    const ma = await a.call('GET', `/queues/${a.queueId}/messages`);
    const mb = await b.call('GET', `/queues/${b.queueId}/messages`);
    expect(ma.statusCode, ma.body).toBe(200);
    expect(mb.statusCode, mb.body).toBe(200);
    expect([noticeOf(ma.body), noticeOf(mb.body)]).toEqual(['N-1', 'N-1']);
    expect(ma.headers.remainingmessages).toBe('1');
    const idA = String(ma.headers.messageid);
    const idB = String(mb.headers.messageid);
    expect(idA).not.toBe(idB);

    // A acknowledges its first message: A moves on, B still has its copy of it.
    const a2 = await a.call('GET', `/queues/${a.queueId}/messages?lastMessageId=${idA}`);
    expect(noticeOf(a2.body)).toBe('N-2');
    const b1 = await b.call('GET', `/queues/${b.queueId}/messages`);
    expect(noticeOf(b1.body)).toBe('N-1');
    expect(String(b1.headers.messageid)).toBe(idB);
    // One queue's message id means nothing on another queue.
    const wrong = await b.call('GET', `/queues/${b.queueId}/messages?lastMessageId=${idA}`);
    expect(wrong.statusCode).toBe(404);
    const view = await b.call('GET', `/queues/${b.queueId}`);
    expect(view.body).toContain('<messageCount>2</messageCount>');

    // The first acknowledgement told the state's inbox (the ledger) that Texas has the message.
    const inbox = await sys.db.query<{ acked_at: Date | null }>(
      'SELECT acked_at FROM inbox_items WHERE delivery_id = $1',
      [first],
    );
    expect(inbox.rows[0]!.acked_at).not.toBeNull();

    // B removes its copy with DELETE, then reads the next; acknowledging the last empties the queue.
    expect((await b.call('DELETE', `/queues/${b.queueId}/messages/${idB}`)).statusCode).toBe(204);
    const b2 = await b.call('GET', `/queues/${b.queueId}/messages`);
    expect(noticeOf(b2.body)).toBe('N-2');
    const done = await b.call('GET', `/queues/${b.queueId}/messages?lastMessageId=${String(b2.headers.messageid)}`);
    expect(done.statusCode).toBe(204);
    const aStill = await a.call('GET', `/queues/${a.queueId}/messages`);
    expect(noticeOf(aStill.body)).toBe('N-2');
  });

  it('gives a queue only the messages placed after it subscribed', async () => {
    await place('N-before');
    const late = await consumer();
    const r = await late.call('GET', `/queues/${late.queueId}/messages`);
    expect(r.statusCode).toBe(204);
    await place('N-after');
    const next = await late.call('GET', `/queues/${late.queueId}/messages`);
    expect(noticeOf(next.body)).toBe('N-after');
  });

  it('gives nothing placed while a queue was unsubscribed, and keeps what the queue held', async () => {
    const c = await consumer();
    await place('N-held');
    expect((await c.call('DELETE', `/subscriptions/${c.subscriptionId}`)).statusCode).toBe(204);
    await place('N-gap');
    await c.subscribe();
    await place('N-back');
    const seen: string[] = [];
    let last: string | undefined;
    for (;;) {
      const r = await c.call('GET', `/queues/${c.queueId}/messages${last ? `?lastMessageId=${last}` : ''}`);
      if (r.statusCode === 204) break;
      seen.push(noticeOf(r.body)!);
      last = String(r.headers.messageid);
    }
    expect(seen).toEqual(['N-held', 'N-back']);
  });

  it('copies to the queues the rule names, and migration 140 backfills the same copies', async () => {
    const plain = await consumer();
    // Subscribed in two zones: one copy, in the first zone id.
    const twoZones = await consumer();
    await sys.db.query(
      `INSERT INTO sif_subscriptions (environment_id, queue_id, zone_id, service_name)
       SELECT environment_id, queue_id, 'AA', service_name FROM sif_subscriptions WHERE queue_id = $1`,
      [twoZones.queueId],
    );
    // A deleted environment's queue, and a queue subscribed to another service: no copies.
    const gone = await consumer();
    await sys.db.query(
      'UPDATE sif_environments SET deleted_at = now() WHERE id = (SELECT environment_id FROM sif_queues WHERE id = $1)',
      [gone.queueId],
    );
    const other = await consumer();
    await sys.db.query("UPDATE sif_subscriptions SET service_name = 'StudentPersonals' WHERE queue_id = $1", [
      other.queueId,
    ]);
    const ids = [await place('N-rule-1'), await place('N-rule-2')];
    const copies = (db: Db) =>
      db
        .query<{ queue_id: string; delivery_id: string; zone_id: string }>(
          `SELECT queue_id, delivery_id, zone_id FROM sif_queue_messages WHERE delivery_id = ANY($1::uuid[])
           ORDER BY queue_id, seq`,
          [ids],
        )
        .then((r) => r.rows.map((x) => `${x.queue_id} ${x.delivery_id} ${x.zone_id}`));
    const placed = await copies(sys.db);
    const mine = (q: string) => placed.filter((x) => x.startsWith(q)).map((x) => x.split(' ').slice(1).join(' '));
    expect(mine(plain.queueId)).toEqual([`${ids[0]} TX`, `${ids[1]} TX`]);
    expect(mine(twoZones.queueId)).toEqual([`${ids[0]} AA`, `${ids[1]} AA`]);
    expect(mine(gone.queueId)).toEqual([]);
    expect(mine(other.queueId)).toEqual([]);
    // The backfill as migration 140 ran it, on empty queues, in a transaction that is rolled back.
    const migration = readFileSync(
      new URL('../../core/store/migrations/140_sif_queue_messages.sql', import.meta.url),
      'utf8',
    );
    const backfill = migration.slice(migration.indexOf('-- What the queues showed before'));
    let backfilled: string[] = [];
    await sys.db
      .transaction(async (tx) => {
        await tx.query('DELETE FROM sif_queue_messages');
        await tx.exec(backfill);
        backfilled = await copies(tx);
        throw new Error('roll back');
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'));
    expect(backfilled).toEqual(placed);
  });
});
