import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import type { EndpointInput } from '../core/exchange/endpoints.js';
import { verifyWebhook } from '../core/exchange/delivery/signature.js';
import { MemoryReplayGuard } from '../core/security/replay-guard.js';
import { seededRandom } from '@msix/adapter-sdk/random';

/**
 * A stand-in for the states' own systems, on loopback: for each state an
 * Ed-Fi-style API (token endpoint, the `migrant/studentRecords` lookup a live
 * source answers, and the `migrant/*Notices|recordResponses` resources the
 * gateway pushes to) and a webhook receiver that checks signatures, refuses
 * replays and drops duplicates by idempotency key, as a real receiver must.
 * A flaky mode injects timeouts, 500s and dropped connections at seeded
 * rates; a state can be taken down and brought back.
 */
export interface SimState {
  code: string;
  /** The gateway's credentials at this state's token endpoint. */
  clientId: string;
  clientSecret: string;
  /** Shared secret of this state's webhook. */
  webhookSecret: string;
  /** Records the state keeps at home (what its live source answers). */
  records: StateRecord[];
}

export interface FlakyConfig {
  /** Share of data requests that hang without an answer (the gateway's timeout fires). */
  timeoutRate: number;
  /** Share answered 500 before anything is processed. */
  errorRate: number;
  /** Share processed, then the connection is dropped before the answer (the gateway retries: a duplicate). */
  dropRate: number;
  seed: number;
  /** How long a hanging request hangs before its socket is closed. */
  hangMs?: number;
  /**
   * A slow receiver: every request no fault hits is handled this much later. Past the gateway's timeout the message
   * is still taken, after the gateway gave up on it: its retry is a duplicate the idempotency key drops.
   */
  slowMs?: number;
}

/** One message the state took (first receipt of its idempotency key). */
export interface Received {
  idempotencyKey: string;
  deliveryId: string;
  kind: string;
  msixId: string | null;
  sequence: number | null;
  channel: 'webhook' | 'edfi';
  resource: string | null;
  receivedAt: number;
  body: Record<string, unknown>;
}

export interface SimStats {
  requests: number;
  accepted: number;
  duplicates: number;
  injected: { timeout: number; error: number; drop: number; down: number; slow: number };
  refused: { signature: number; token: number };
  queries: number;
  tokens: number;
}

export interface StateSimulator {
  readonly url: string;
  /** Root of one state's API: `{url}/{state}`. */
  stateUrl(code: string): string;
  /** The endpoint configuration the gateway needs for this state (PUT /api/v1/states/{state}/exchange-endpoint). */
  endpointFor(code: string, opts: { channel: 'webhook' | 'edfi' | 'inbox'; liveSource?: boolean }): EndpointInput;
  received(code: string): Received[];
  stats(): SimStats;
  setFlaky(f: FlakyConfig | null): void;
  setDown(code: string, down: boolean): void;
  setRecords(code: string, records: StateRecord[]): void;
  /** Forgets every access token issued (a state rotating its keys): the next call with an old token gets 401. */
  revokeTokens(): void;
  close(): Promise<void>;
}

const PUSH_RESOURCES = new Set(['moveNotices', 'departureNotices', 'recordResponses']);

export async function startStateSimulator(opts: {
  states: Array<Partial<SimState> & { code: string }>;
  flaky?: FlakyConfig | null;
  port?: number;
  /** Webhook timestamp tolerance, seconds. */
  toleranceSeconds?: number;
}): Promise<StateSimulator> {
  const states = new Map<string, SimState>();
  for (const s of opts.states) {
    const code = s.code.toUpperCase();
    states.set(code, {
      code,
      clientId: s.clientId ?? `gateway-${code.toLowerCase()}`,
      clientSecret: s.clientSecret ?? randomBytes(18).toString('base64url'),
      webhookSecret: s.webhookSecret ?? randomBytes(24).toString('base64url'),
      records: s.records ?? [],
    });
  }
  let flaky = opts.flaky ?? null;
  let rand = seededRandom(flaky?.seed ?? 1);
  const down = new Set<string>();
  const tokens = new Map<string, { state: string; expiresAt: number }>();
  const seen = new Map<string, Set<string>>();
  const inbox = new Map<string, Received[]>();
  const replay = new MemoryReplayGuard();
  const stats: SimStats = {
    requests: 0,
    accepted: 0,
    duplicates: 0,
    injected: { timeout: 0, error: 0, drop: 0, down: 0, slow: 0 },
    refused: { signature: 0, token: 0 },
    queries: 0,
    tokens: 0,
  };
  const hanging = new Set<NodeJS.Timeout>();

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });
  // Keep the exact bytes: the webhook signature is over them.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  const stateOf = (request: FastifyRequest): SimState | null =>
    states.get(String((request.params as { st?: string }).st ?? '').toUpperCase()) ?? null;

  /** What the flaky mode or an outage does to this request; null: handle it normally. */
  type Fault = 'timeout' | 'error' | 'drop' | 'down' | null;
  const fault = (st: SimState): Fault => {
    if (down.has(st.code)) return 'down';
    if (!flaky) return null;
    const x = rand();
    if (x < flaky.timeoutRate) return 'timeout';
    if (x < flaky.timeoutRate + flaky.errorRate) return 'error';
    if (x < flaky.timeoutRate + flaky.errorRate + flaky.dropRate) return 'drop';
    return null;
  };
  const destroy = (reply: FastifyReply) => {
    reply.hijack();
    reply.raw.socket?.destroy();
  };
  /** Applies a fault that happens before processing; returns true when the request is done for. */
  const before = (f: Fault, reply: FastifyReply): boolean => {
    if (f === 'down') {
      stats.injected.down++;
      destroy(reply);
      return true;
    }
    if (f === 'error') {
      stats.injected.error++;
      void reply.code(500).send({ message: 'simulated server error' });
      return true;
    }
    if (f === 'timeout') {
      stats.injected.timeout++;
      reply.hijack();
      const t = setTimeout(() => {
        hanging.delete(t);
        reply.raw.socket?.destroy();
      }, flaky?.hangMs ?? 30_000);
      hanging.add(t);
      return true;
    }
    return false;
  };
  /** The slow receiver's delay, for a request no fault hit. */
  const slowly = async (f: Fault): Promise<void> => {
    const ms = f === null ? (flaky?.slowMs ?? 0) : 0;
    if (!ms) return;
    stats.injected.slow++;
    await new Promise((r) => setTimeout(r, ms));
  };

  const bearerOk = (st: SimState, request: FastifyRequest): boolean => {
    const m = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
    const t = m ? tokens.get(m[1]!) : undefined;
    return !!t && t.state === st.code && t.expiresAt > Date.now();
  };

  /** Takes a message once per idempotency key; a repeat is acknowledged and dropped. */
  const accept = (
    st: SimState,
    key: string,
    channel: Received['channel'],
    resource: string | null,
    raw: string,
  ): 'accepted' | 'duplicate' | 'bad' => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return 'bad';
    }
    let keys = seen.get(st.code);
    if (!keys) seen.set(st.code, (keys = new Set()));
    if (keys.has(key)) {
      stats.duplicates++;
      return 'duplicate';
    }
    keys.add(key);
    stats.accepted++;
    const list = inbox.get(st.code) ?? [];
    list.push({
      idempotencyKey: key,
      deliveryId: String(body.id ?? ''),
      kind: String(body.kind ?? ''),
      msixId: typeof body.msixId === 'string' ? body.msixId : null,
      sequence: typeof body.sequence === 'number' ? body.sequence : null,
      channel,
      resource,
      receivedAt: Date.now(),
      body,
    });
    inbox.set(st.code, list);
    return 'accepted';
  };

  app.addHook('onRequest', async () => {
    stats.requests++;
  });

  // Ed-Fi discovery, so a person poking at the simulator sees what it is.
  app.get('/:st/', async (request, reply) => {
    const st = stateOf(request);
    if (!st) return reply.code(404).send({ message: 'unknown state' });
    const root = `${base}/${st.code.toLowerCase()}`;
    return {
      version: 'simulated',
      applicationName: `${st.code} state system (simulator)`,
      urls: { oauth: `${root}/oauth/token`, dataManagementApi: `${root}/data/v3/`, webhook: `${root}/webhook` },
    };
  });

  app.post('/:st/oauth/token', async (request, reply) => {
    const st = stateOf(request);
    if (!st) return reply.code(404).send({ error: 'invalid_request' });
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials')
      return reply.code(400).send({ error: 'unsupported_grant_type' });
    if (id !== st.clientId || secret !== st.clientSecret) {
      stats.refused.token++;
      return reply.code(401).send({ error: 'invalid_client' });
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { state: st.code, expiresAt: Date.now() + 1800_000 });
    stats.tokens++;
    return reply
      .header('cache-control', 'no-store')
      .send({ access_token: token, token_type: 'bearer', expires_in: 1800 });
  });

  app.get('/:st/data/v3/migrant/studentRecords', async (request, reply) => {
    const st = stateOf(request);
    if (!st) return reply.code(404).send({ message: 'unknown state' });
    const f = fault(st);
    if (before(f, reply)) return reply;
    await slowly(f);
    if (!bearerOk(st, request)) {
      stats.refused.token++;
      return reply.code(401).send({ message: 'invalid token' });
    }
    stats.queries++;
    const q = request.query as Record<string, string | undefined>;
    const fold = (s: string | undefined) => (s ?? '').normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
    const hits = st.records.filter((r) =>
      q.studentUniqueId
        ? r.stateStudentId === q.studentUniqueId
        : fold(r.identity.firstName) === fold(q.firstName) &&
          fold(r.identity.lastName1) === fold(q.lastSurname) &&
          r.identity.birthDate === q.birthDate,
    );
    if (f === 'drop') {
      stats.injected.drop++;
      destroy(reply);
      return reply;
    }
    return hits;
  });

  app.post('/:st/data/v3/migrant/:resource', async (request, reply) => {
    const st = stateOf(request);
    const resource = (request.params as { resource: string }).resource;
    if (!st || !PUSH_RESOURCES.has(resource)) return reply.code(404).send({ message: 'no such resource' });
    const f = fault(st);
    if (before(f, reply)) return reply;
    await slowly(f);
    if (!bearerOk(st, request)) {
      stats.refused.token++;
      return reply.code(401).send({ message: 'invalid token' });
    }
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !key) return reply.code(400).send({ message: 'Idempotency-Key is required' });
    const r = accept(st, key, 'edfi', resource, String(request.body ?? ''));
    if (r === 'bad') return reply.code(400).send({ message: 'body is not JSON' });
    if (f === 'drop') {
      stats.injected.drop++;
      destroy(reply);
      return reply;
    }
    return reply.code(r === 'accepted' ? 201 : 200).send();
  });

  app.post('/:st/webhook', async (request, reply) => {
    const st = stateOf(request);
    if (!st) return reply.code(404).send({ message: 'unknown state' });
    const f = fault(st);
    if (before(f, reply)) return reply;
    await slowly(f);
    const raw = String(request.body ?? '');
    const check = await verifyWebhook({
      secret: st.webhookSecret,
      rawBody: raw,
      headers: request.headers,
      toleranceSeconds: opts.toleranceSeconds ?? 300,
      replay,
    });
    if (check.kind !== 'ok') {
      stats.refused.signature++;
      return reply.code(401).send({ message: `signature refused: ${check.reason}` });
    }
    const r = accept(st, check.idempotencyKey, 'webhook', null, raw);
    if (r === 'bad') return reply.code(400).send({ message: 'body is not JSON' });
    if (f === 'drop') {
      stats.injected.drop++;
      destroy(reply);
      return reply;
    }
    return reply.code(200).send({ received: true, duplicate: r === 'duplicate' });
  });

  // Test and bench controls (loopback only, like everything here): what each state received, stats, faults, records.
  app.get('/_sim', async () => ({
    states: [...states.keys()].map((code) => ({
      code,
      api: `${base}/${code.toLowerCase()}/`,
      received: (inbox.get(code) ?? []).length,
      down: down.has(code),
      receivedUrl: `${base}/_sim/${code}/received`,
    })),
    flaky,
    stats,
  }));
  app.get('/_sim/stats', async () => stats);
  const json = (request: FastifyRequest): unknown => JSON.parse(String(request.body ?? 'null'));
  app.post('/_sim/flaky', async (request) => {
    const f = json(request) as FlakyConfig | null;
    flaky = f;
    rand = seededRandom(f?.seed ?? 1);
    return { flaky };
  });
  app.post('/_sim/down', async (request) => {
    const { state, down: isDown } = json(request) as { state: string; down: boolean };
    const st = states.get(String(state).toUpperCase());
    if (!st) return { ok: false };
    if (isDown) down.add(st.code);
    else down.delete(st.code);
    return { ok: true, down: [...down] };
  });
  app.put('/_sim/:st/records', async (request, reply) => {
    const st = stateOf(request);
    if (!st) return reply.code(404).send({ message: 'unknown state' });
    st.records = json(request) as StateRecord[];
    return { records: st.records.length };
  });
  app.get('/_sim/:st/received', async (request) => {
    const st = String((request.params as { st: string }).st).toUpperCase();
    return (inbox.get(st) ?? []).map(({ body: _b, ...r }) => r);
  });

  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${addr && typeof addr === 'object' ? addr.port : 0}`;

  const need = (code: string): SimState => {
    const s = states.get(code.toUpperCase());
    if (!s) throw new Error(`the simulator does not play ${code}`);
    return s;
  };

  return {
    url: base,
    stateUrl: (code) => `${base}/${need(code).code.toLowerCase()}`,
    endpointFor(code, o) {
      const s = need(code);
      const root = `${base}/${s.code.toLowerCase()}`;
      const oauth = {
        apiBase: root,
        tokenUrl: `${root}/oauth/token`,
        clientId: s.clientId,
        clientSecret: s.clientSecret,
      };
      const delivery: EndpointInput['delivery'] =
        o.channel === 'webhook'
          ? { channel: 'webhook', url: `${root}/webhook`, secret: s.webhookSecret }
          : o.channel === 'edfi'
            ? { channel: 'edfi', ...oauth }
            : { channel: 'inbox' };
      return { delivery, source: o.liveSource ? { kind: 'edfi', ...oauth } : null };
    },
    received: (code) => [...(inbox.get(code.toUpperCase()) ?? [])],
    stats: () => structuredClone(stats),
    setFlaky(f) {
      flaky = f;
      rand = seededRandom(f?.seed ?? 1);
    },
    setDown(code, isDown) {
      if (isDown) down.add(need(code).code);
      else down.delete(need(code).code);
    },
    setRecords(code, records) {
      need(code).records = records;
    },
    revokeTokens() {
      tokens.clear();
    },
    async close() {
      for (const t of hanging) clearTimeout(t);
      hanging.clear();
      await app.close();
    },
  };
}

/** Checks what a state received: per student, the sequence numbers arrived in order with no gap and no repeat. */
export function orderProblems(received: readonly Received[]): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const r of received) {
    if (r.msixId === null || r.sequence === null) continue;
    const prev = last.get(r.msixId) ?? 0;
    if (r.sequence !== prev + 1) problems.push(`${r.msixId}: got ${r.sequence} after ${prev}`);
    last.set(r.msixId, r.sequence);
  }
  return problems;
}
