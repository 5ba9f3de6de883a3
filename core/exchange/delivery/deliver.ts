import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { appendAudit } from '../../audit.js';
import type { ConsolidationOptions } from '../../consolidate.js';
import { QUEUES, type JobQueue } from '../../jobs.js';
import { createExchange, updateExchange } from '../../ledger.js';
import type { Db } from '../../store/db.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';
import type { ChannelResult } from './channel.js';
import type { Channels } from './channels/index.js';
import { circuitGate, circuitRecord, circuitTarget, type CircuitChange, type CircuitPolicy } from './circuit.js';
import { FINAL_DELIVERY, deliverJobId, deliveryFromRow, type Delivery, type DeliveryRow } from './deliveries.js';
import { EndpointSecretError, getEndpoint, type Endpoint } from '../endpoints.js';
import { settleRequest } from '../requests/request-settle.js';
import { setSourceResult } from '../requests/requests.js';
import type { SourceConnector, SourceQuery } from '../requests/source-connector.js';
import { ttlCache, type Clock, type TtlCache } from '../../../lib/ttl-cache.js';
import { endpointUrls } from '../endpoints.js';
import { isExchangeUuid } from '../ids.js';
import { outboundAgent, outboundRefusal, type OutboundPolicy } from '../outbound.js';

/** How hard the gateway tries. */
export interface DeliveryPolicy {
  /** Attempts before a delivery is dead (the help desk can retry it). */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** One attempt gives up after this long (transient). */
  timeoutMs: number;
  /** An attempt not finished after this long is presumed lost with its worker and tried again. */
  leaseMs: number;
  circuit: CircuitPolicy;
}

/** The two log levels the engine needs (pino's Logger fits). */
export interface ExchangeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DeliverDeps {
  /** Where the gateway may send records (allow-list, no private addresses); absent: no check (unit tests). */
  outbound?: OutboundPolicy;
  db: Db;
  queue: JobQueue;
  channels: Channels;
  sources: SourceConnector;
  policy: DeliveryPolicy;
  consolidation: ConsolidationOptions;
  log: ExchangeLog;
  /** Opens the endpoint secrets stored sealed (SIGNING_KEY_SECRET); empty: only unsealed ones can be read. */
  sealSecret?: string;
  now?: () => number;
  random?: () => number;
  /** The clock of the endpoint cache (Date.now by default), apart from `now` so tests can age the cache alone. */
  cacheClock?: Clock;
}

export type DeliverOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'held'; behind: number }
  | { kind: 'waiting'; until: string }
  | { kind: 'delivered'; attempt: number }
  | { kind: 'retrying'; attempt: number; at: string; reason: string }
  | { kind: 'dead'; attempt: number; reason: string }
  | { kind: 'expired' };

/** A job to enqueue once the transaction that decided it has committed. */
interface FollowUp {
  deliveryId: string;
  traceId: string;
  reason: string;
  at: number;
}

const SYSTEM = { id: 'exchange', state: null, roles: ['system'] };

/**
 * Takes the lock of the delivery's line (its state and student: everything
 * that decides the order of one state's messages about one student) and
 * locks and reads the delivery, in one round trip.
 */
export async function lockAndLoad(tx: Db, id: string): Promise<Delivery | null> {
  // Not a delivery id: nothing to lock (a uuid column refuses it with an error, which answered the help desk's retry
  // and cancel with a 500).
  if (!isExchangeUuid(id)) return null;
  const r = await tx.query<DeliveryRow>(
    `SELECT d.* FROM deliveries h
     CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock(727040, hashtext(h.state_code || ':' || COALESCE(h.msix_id,
     h.id::text)))) line
     JOIN deliveries d ON d.id = h.id
     WHERE h.id = $1 FOR UPDATE OF d`,
    [id],
  );
  return r.rows[0] ? deliveryFromRow(r.rows[0]) : null;
}

const endpointCache = new WeakMap<Db, TtlCache<string, Endpoint>>();

/** A state's endpoint, cached for two seconds: a configuration change reaches every worker within that. */
async function endpointOf(db: Db, stateCode: string, sealSecret: string, cacheClock?: Clock): Promise<Endpoint> {
  let m = endpointCache.get(db);
  if (!m) endpointCache.set(db, (m = ttlCache({ max: 1000, ttlMs: 2000, ...(cacheClock ? { now: cacheClock } : {}) })));
  const hit = m.get(stateCode);
  if (hit) return hit;
  const ep = await getEndpoint(db, stateCode, sealSecret);
  m.set(stateCode, ep);
  return ep;
}

export async function enqueueFollowUps(
  deps: Pick<DeliverDeps, 'queue' | 'log'>,
  jobs: readonly FollowUp[],
  now: number,
): Promise<void> {
  for (const j of jobs) {
    try {
      const delayMs = Math.max(0, j.at - now);
      await deps.queue.enqueue(
        QUEUES.deliver,
        { deliveryId: j.deliveryId, traceId: j.traceId },
        { jobId: deliverJobId(j.deliveryId, j.reason), ...(delayMs > 0 ? { delayMs } : {}) },
      );
    } catch (e) {
      // The sweeper re-enqueues anything due that has no job; nothing is lost.
      deps.log.warn({ err: e, deliveryId: j.deliveryId }, 'could not enqueue a deliver job; the sweeper will');
    }
  }
}

/** Expires a live query whose request ran out of time and settles the request. */
async function expireQuery(tx: Db, deps: DeliverDeps, d: Delivery, now: number, follow: FollowUp[]): Promise<void> {
  await tx.query(
    `UPDATE deliveries SET status = 'expired', lease_until = NULL, last_error = 'the request deadline passed',
     updated_at = now() WHERE id = $1`,
    [d.id],
  );
  await updateExchange(tx, d.exchangeId, { status: 'failed', error: { reason: 'the request deadline passed' } });
  if (d.requestId) {
    await setSourceResult(
      tx,
      d.requestId,
      d.stateCode,
      'expired',
      null,
      `no answer from ${d.stateCode} before the deadline`,
    );
    const resp = await settleRequest(tx, deps, d.requestId, new Date(now));
    if (resp && resp.status !== 'held')
      follow.push({ deliveryId: resp.id, traceId: resp.traceId, reason: 'new', at: now });
  }
}

type Claim =
  | { kind: 'send'; d: Delivery; attempt: number }
  | { kind: 'done'; outcome: DeliverOutcome; follow: FollowUp[] };

/**
 * Phase 1, under the line lock: final? in flight? an earlier message pending? circuit open? Otherwise claim an attempt.
 */
async function claim(deps: DeliverDeps, id: string, now: number): Promise<Claim> {
  const random = deps.random ?? Math.random;
  return deps.db.transaction(async (tx) => {
    const d = await lockAndLoad(tx, id);
    const follow: FollowUp[] = [];
    const done = (outcome: DeliverOutcome): Claim => ({ kind: 'done', outcome, follow });
    if (!d || FINAL_DELIVERY.has(d.status))
      return done({ kind: 'skipped', reason: d ? `already ${d.status}` : 'no such delivery' });
    if (d.status === 'sending' && d.leaseUntil && new Date(d.leaseUntil).getTime() > now)
      return done({ kind: 'skipped', reason: 'an attempt is in flight' });
    if (d.kind === 'record-query' && d.deadlineAt && new Date(d.deadlineAt).getTime() <= now) {
      await expireQuery(tx, deps, d, now, follow);
      return done({ kind: 'expired' });
    }
    const target = circuitTarget(d.stateCode, d.kind === 'record-query' ? 'source' : 'deliver');
    // One read: the nearest earlier message still pending for this student and state, and the receiver's circuit.
    const look = await tx.query<{
      pred: number | string | null;
      failures: number | null;
      open_until: Date | string | null;
    }>(
      `SELECT (SELECT seq FROM deliveries WHERE $3::bigint IS NOT NULL AND state_code = $1 AND msix_id = $2 AND seq < $3
                 AND status NOT IN ('delivered', 'cancelled') ORDER BY seq LIMIT 1) AS pred,
              c.failures, c.open_until
       FROM (SELECT 1) one LEFT JOIN exchange_circuits c ON c.target = $4`,
      [d.stateCode, d.msixId, d.msixId === null ? null : d.seq, target],
    );
    const pred = look.rows[0]?.pred ?? null;
    if (pred !== null) {
      if (d.status !== 'held')
        await tx.query(`UPDATE deliveries SET status = 'held', updated_at = now() WHERE id = $1`, [d.id]);
      return done({ kind: 'held', behind: Number(pred) });
    }
    const dueAt = new Date(d.nextAttemptAt).getTime();
    if (d.status === 'retrying' && dueAt > now + 250) {
      // An early job (a sweep, a kick, or a worker whose clock is behind the one that scheduled the retry):
      // make sure a job exists at the due time by this worker's clock, and leave it.
      follow.push({ deliveryId: d.id, traceId: d.traceId, reason: `d${dueAt}`, at: dueAt });
      return done({ kind: 'skipped', reason: 'not due yet' });
    }
    if (d.attempts - d.budgetFrom >= deps.policy.maxAttempts) {
      const why = `gave up after ${d.attempts} attempts`;
      await markDead(tx, deps, d, d.attempts, why, follow, now);
      return done({ kind: 'dead', attempt: d.attempts, reason: why });
    }
    const gate = await circuitGate(tx, target, now, deps.policy.circuit, look.rows[0] ?? null);
    if (gate.kind === 'open') {
      let at = gate.until + Math.round(random() * Math.min(2000, deps.policy.backoff.baseMs));
      if (d.kind === 'record-query' && d.deadlineAt) at = Math.min(at, new Date(d.deadlineAt).getTime());
      await tx.query(
        `UPDATE deliveries SET status = CASE WHEN status = 'held' THEN 'queued'
         ELSE status END, next_attempt_at = $2, updated_at = now() WHERE id = $1`,
        [d.id, new Date(at)],
      );
      follow.push({ deliveryId: d.id, traceId: d.traceId, reason: `w${at}`, at });
      return done({ kind: 'waiting', until: new Date(at).toISOString() });
    }
    const c = await tx.query<{ attempts: number }>(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = $2, updated_at = now()
       WHERE id = $1 RETURNING attempts`,
      [d.id, new Date(now + deps.policy.leaseMs)],
    );
    return { kind: 'send', d, attempt: c.rows[0]!.attempts };
  });
}

/** Phase 2: one attempt over the state's channel (or its live source), outside any transaction. */
async function attempt(
  deps: DeliverDeps,
  d: Delivery,
  now: number,
): Promise<{ result: ChannelResult; channel: string }> {
  try {
    const ep = await endpointOf(deps.db, d.stateCode, deps.sealSecret ?? '', deps.cacheClock);
    // Every URL the attempt may call is checked against the outbound policy first, its host resolved now; the
    // connections then go through the policy's agent, which resolves again and refuses a non-public answer, so a DNS
    // answer changed since this check (rebinding) reaches nothing private.
    const dispatcher = deps.outbound ? outboundAgent(deps.outbound) : undefined;
    if (deps.outbound) {
      for (const url of endpointUrls(ep)) {
        const why = await outboundRefusal(url, d.stateCode, deps.outbound);
        if (why) return { channel: 'outbound-policy', result: { kind: 'invalid', reason: `not called: ${why}` } };
      }
    }
    if (d.kind === 'record-query') {
      if (!ep.source)
        return {
          channel: 'source',
          result: { kind: 'unsupported', reason: `${d.stateCode} is no longer configured as a live source` },
        };
      const left = d.deadlineAt ? new Date(d.deadlineAt).getTime() - now : deps.policy.timeoutMs;
      const res = await deps.sources.fetch(d.stateCode, d.body.data.query as SourceQuery, ep.source, {
        timeoutMs: Math.max(100, Math.min(deps.policy.timeoutMs, left)),
        ...(dispatcher ? { dispatcher } : {}),
      });
      return {
        channel: 'edfi-source',
        result: res.kind === 'ok' ? { kind: 'ok', data: res.records, detail: `${res.records.length} record(s)` } : res,
      };
    }
    return {
      channel: ep.delivery.channel,
      result: await deps.channels.send(d.body, ep.delivery, {
        timeoutMs: deps.policy.timeoutMs,
        ...(dispatcher ? { dispatcher } : {}),
      }),
    };
  } catch (e) {
    // The gateway's sealing secret is missing or wrong: its operator can fix that, so the message waits (transient).
    if (e instanceof EndpointSecretError) {
      deps.log.warn({ state: d.stateCode, deliveryId: d.id, reason: e.reason }, e.message);
      return { channel: 'unknown', result: { kind: 'transient', reason: `gateway configuration: ${e.message}` } };
    }
    // A bug or an unexpected failure must not lose the message: treat it as transient.
    return { channel: 'unknown', result: { kind: 'transient', reason: `unexpected: ${(e as Error).message}` } };
  }
}

async function markDead(
  tx: Db,
  deps: DeliverDeps,
  d: Delivery,
  attempts: number,
  reason: string,
  follow: FollowUp[],
  now: number,
): Promise<void> {
  await tx.query(
    `UPDATE deliveries SET status = 'dead', lease_until = NULL, last_error = $2, updated_at = now() WHERE id = $1`,
    [d.id, reason],
  );
  await updateExchange(tx, d.exchangeId, { status: 'dead', counts: { attempts }, error: { reason } });
  if (d.kind === 'record-query' && d.requestId) {
    await setSourceResult(tx, d.requestId, d.stateCode, 'failed', null, reason);
    const resp = await settleRequest(tx, deps, d.requestId, new Date(now));
    if (resp && resp.status !== 'held')
      follow.push({ deliveryId: resp.id, traceId: resp.traceId, reason: 'new', at: now });
  }
}

/**
 * Phase 3, under the line lock: the attempt's ledger row, then delivered / retrying / dead, the circuit, and the next
 * message in line.
 */
async function conclude(
  deps: DeliverDeps,
  d: Delivery,
  n: number,
  channel: string,
  result: ChannelResult,
  durationMs: number,
  now: number,
): Promise<{ outcome: DeliverOutcome; follow: FollowUp[] }> {
  const random = deps.random ?? Math.random;
  const { policy } = deps;
  return deps.db.transaction(async (tx) => {
    const cur = await lockAndLoad(tx, d.id);
    const follow: FollowUp[] = [];
    const reason = result.kind === 'ok' ? null : result.reason;
    await createExchange(tx, {
      direction: 'outbound',
      kind: 'delivery-attempt',
      stateCode: d.stateCode,
      status: result.kind === 'ok' ? 'delivered' : 'failed',
      traceId: d.traceId,
      parentId: d.exchangeId,
      msixId: d.msixId,
      summary: {
        deliveryId: d.id,
        attempt: n,
        channel,
        outcome: result.kind,
        durationMs,
        httpStatus: 'status' in result && typeof result.status === 'number' ? result.status : null,
        ...(result.kind === 'ok' && result.detail ? { detail: result.detail } : {}),
        ...(reason ? { error: reason } : {}),
      },
    });
    if (cur?.status !== 'sending' || cur.attempts !== n) {
      return {
        outcome: { kind: 'skipped', reason: `the delivery became ${cur?.status ?? 'missing'} during the attempt` },
        follow,
      };
    }
    if (result.kind === 'ok') {
      if (d.kind === 'record-query' && d.requestId) {
        const records = (Array.isArray(result.data) ? result.data : []) as StateRecord[];
        await setSourceResult(
          tx,
          d.requestId,
          d.stateCode,
          records.length ? 'answered' : 'not_found',
          records,
          records.length ? null : `${d.stateCode} does not know this student`,
        );
        const resp = await settleRequest(tx, deps, d.requestId, new Date(now));
        if (resp && resp.status !== 'held')
          follow.push({ deliveryId: resp.id, traceId: resp.traceId, reason: 'new', at: now });
      }
      await tx.query(
        `UPDATE deliveries SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_error = NULL,
         channel = $3, updated_at = now() WHERE id = $1`,
        [d.id, new Date(now), channel],
      );
      await updateExchange(tx, d.exchangeId, { status: 'delivered', counts: { attempts: n }, summary: { channel } });
      if (d.seq !== null && d.msixId !== null) {
        const next = await tx.query<{ id: string; trace_id: string }>(
          `UPDATE deliveries SET status = 'queued', next_attempt_at = $4, updated_at = now()
           WHERE id = (SELECT id FROM deliveries WHERE state_code = $1 AND msix_id = $2 AND seq > $3 AND status = 'held'
           ORDER BY seq LIMIT 1)
           RETURNING id, trace_id`,
          [d.stateCode, d.msixId, d.seq, new Date(now)],
        );
        for (const x of next.rows) follow.push({ deliveryId: x.id, traceId: x.trace_id, reason: `k${d.seq}`, at: now });
      }
      // Last before commit: the audit chain is appended under one global lock, held until commit.
      await appendAudit(tx, {
        actor: SYSTEM,
        action: d.kind === 'record-query' ? 'exchange.queried' : 'exchange.delivered',
        msixId: d.msixId,
        recordIds: d.disclosure.recordIds ?? [],
        fields: d.disclosure.fields,
        reason: d.disclosure.reason,
        traceId: d.traceId,
        details: { deliveryId: d.id, kind: d.kind, to: d.stateCode, channel, attempt: n, sequence: d.seq },
      });
      return { outcome: { kind: 'delivered', attempt: n }, follow };
    }
    const round = n - cur.budgetFrom;
    if (result.kind === 'transient' && round < policy.maxAttempts) {
      let at = now + Math.max(result.retryAfterMs ?? 0, retryDelayMs(round, policy.backoff, random));
      if (d.kind === 'record-query' && d.deadlineAt) at = Math.min(at, new Date(d.deadlineAt).getTime());
      await tx.query(
        `UPDATE deliveries SET status = 'retrying', next_attempt_at = $2, lease_until = NULL, last_error = $3,
         channel = $4, updated_at = now() WHERE id = $1`,
        [d.id, new Date(at), result.reason, channel],
      );
      await updateExchange(tx, d.exchangeId, {
        counts: { attempts: n },
        summary: { lastError: result.reason, nextAttemptAt: new Date(at).toISOString() },
      });
      follow.push({ deliveryId: d.id, traceId: d.traceId, reason: `a${n}`, at });
      return {
        outcome: { kind: 'retrying', attempt: n, at: new Date(at).toISOString(), reason: result.reason },
        follow,
      };
    }
    const why =
      result.kind === 'transient'
        ? `gave up after ${n} attempts; last: ${result.reason}`
        : `${result.kind}: ${result.reason}`;
    await markDead(tx, deps, d, n, why, follow, now);
    return { outcome: { kind: 'dead', attempt: n, reason: why }, follow };
  });
}

/**
 * The deliver job: sends one message to one state, once, in order, and
 * records every attempt. Safe to run any number of times for the same id
 * (a claim with a lease keeps two workers from sending at once; a final
 * delivery is left alone), so the queue, the sweeper, help-desk retries and
 * the release of the next message in line can all just enqueue it.
 */
export async function runDelivery(deps: DeliverDeps, id: string): Promise<DeliverOutcome> {
  const clock = deps.now ?? Date.now;
  const c = await claim(deps, id, clock());
  if (c.kind === 'done') {
    await enqueueFollowUps(deps, c.follow, clock());
    return c.outcome;
  }
  const started = clock();
  const { result, channel } = await attempt(deps, c.d, started);
  const finished = clock();
  const r = await conclude(deps, c.d, c.attempt, channel, result, finished - started, finished);
  // The receiver's health in its own short transaction, so its row is never locked while a delivery commits.
  const target = circuitTarget(c.d.stateCode, c.d.kind === 'record-query' ? 'source' : 'deliver');
  const circuit: CircuitChange = await circuitRecord(
    deps.db,
    target,
    result.kind !== 'transient',
    result.kind === 'ok' ? null : result.reason,
    finished,
    deps.policy.circuit,
    deps.random ?? Math.random,
  );
  if (circuit === 'opened')
    deps.log.warn(
      { state: c.d.stateCode, kind: c.d.kind, reason: result.kind === 'ok' ? null : result.reason },
      'receiver is failing: deliveries wait and one probe at a time tries it',
    );
  if (circuit === 'closed') {
    const released = await releaseWaiting(deps, c.d.stateCode, c.d.kind === 'record-query' ? 'source' : 'deliver');
    deps.log.info(
      { state: c.d.stateCode, kind: c.d.kind, released },
      'receiver is back: waiting deliveries flow again',
    );
  }
  if (r.outcome.kind === 'dead')
    deps.log.warn(
      { deliveryId: c.d.id, state: c.d.stateCode, kind: c.d.kind, reason: r.outcome.reason, traceId: c.d.traceId },
      'delivery is dead: the help desk can retry it',
    );
  await enqueueFollowUps(deps, r.follow, clock());
  return r.outcome;
}

/**
 * When a receiver comes back, the deliveries that were waiting on its circuit
 * go now instead of at their scheduled times.
 */
export async function releaseWaiting(
  deps: DeliverDeps,
  stateCode: string,
  purpose: 'deliver' | 'source',
  limit = 2000,
): Promise<number> {
  const now = (deps.now ?? Date.now)();
  const r = await deps.db.query<{ id: string; trace_id: string }>(
    `UPDATE deliveries SET next_attempt_at = $2, updated_at = now()
     WHERE id IN (SELECT id FROM deliveries WHERE state_code = $1 AND status IN ('queued', 'retrying')
     AND next_attempt_at > $2
                    AND (kind = 'record-query') = $3 ORDER BY created_at LIMIT $4)
     RETURNING id, trace_id`,
    [stateCode, new Date(now), purpose === 'source', limit],
  );
  await enqueueFollowUps(
    deps,
    r.rows.map((x) => ({ deliveryId: x.id, traceId: x.trace_id, reason: `o${now}`, at: now })),
    now,
  );
  return r.rows.length;
}
