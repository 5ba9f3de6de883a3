/**
 * SIF surface figures, each beside a baseline in the same run:
 * - a multi-create of 1,000 StudentPersonals in one request (real gateway over loopback HTTP: auth, safe parse,
 *   schema shaping, mapping, canonical validation, store, ledger, match intents), in objects per second, next to
 *   parsing the same document with fast-xml-parser alone; with the time until its match jobs are in Redis (they
 *   are enqueued after the answer, and waited for before the next round so they never run beside a baseline);
 * - a query of 10,000 StudentPersonals paged by 100: p50/p95 per page, next to the one SELECT a page needs.
 * Writes bench/sif/results.md.
 *
 *   node --import tsx bench/sif/run.ts [--objects 1000] [--stored 10000] [--rounds 3]
 *
 * Uses DATABASE_URL / REDIS_URL when set; otherwise starts a throwaway Postgres cluster and a private redis-server.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { buildApp } from '../../gateway/app.js';
import { loadConfig } from '../../runtime/config.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { ensureStates } from '../../core/states.js';
import { createClient } from '../../core/security/clients.js';
import { SIF_PARSER_OPTIONS } from '../../mappings/sif/tree.js';
import { benchInfrastructure } from '../support/infra.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const objects = arg('objects', 1000);
const stored = arg('stored', 10_000);
const rounds = arg('rounds', 3);

const infra = await benchInfrastructure('sif_bench');
const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000000', BODY_LIMIT_BYTES: '52428800' });
const db = new PgDb(infra.databaseUrl, 20);
await migrate(db);
await ensureStates(db);
const queue = new BullJobQueue(infra.redisUrl, `sifbench${process.pid}`);
const app = await buildApp({ db, queue, config });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/sif/v3`;

const c = await createClient(db, { stateCode: 'TX', roles: ['state-system'], name: 'sif bench' });
if (c.kind !== 'created') throw new Error(c.reason);
const env = await fetch(`${base}/environments/environment`, {
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}` },
});
const token = /<sessionToken>([^<]+)</.exec(await env.text())![1]!;
const auth = `Basic ${Buffer.from(`${token}:${c.secret}`).toString('base64')}`;

let serial = 0;
const NAMES = ['Maria', 'Jose', 'Ana', 'Luis', 'Rosa', 'Juan', 'Carmen', 'Pedro'];
const SURNAMES = ['Garcia', 'Lopez', 'Hernandez', 'Martinez', 'Gonzalez', 'Perez', 'Ramirez', 'Flores'];
function collection(n: number): string {
  const parts = ['<StudentPersonals xmlns="http://www.sifassociation.org/datamodel/na/4.x">'];
  for (let i = 0; i < n; i++) {
    const k = serial++;
    const id = `TXB${String(k).padStart(9, '0')}`;
    const day = String((k % 28) + 1).padStart(2, '0');
    parts.push(
      `<StudentPersonal><LocalId>${id}</LocalId><StateProvinceId>${id}</StateProvinceId><Name Type="04">` +
        `<LastName>${SURNAMES[k % 8]}</LastName><FirstName>${NAMES[(k >> 3) % 8]}</FirstName></Name>` +
        `<Demographics><Gender>${k % 2 ? 'M' : 'F'}</Gender><BirthDate>2011-0${(k % 9) + 1}-${day}</BirthDate>` +
        '</Demographics></StudentPersonal>',
    );
  }
  parts.push('</StudentPersonals>');
  return parts.join('');
}

/** Match jobs waiting in Redis (nothing works them here): the bench waits for each request's to be in. */
const waitingMatchJobs = () => queue.queue('match').getWaitingCount();

/** The answer's time, and the time until its match jobs are all in Redis (they are enqueued after the answer). */
async function create(body: string): Promise<{ ms: number; queuedMs: number }> {
  const before = await waitingMatchJobs();
  const t = performance.now();
  const r = await fetch(`${base}/requests/StudentPersonals`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/xml' },
    body,
  });
  const text = await r.text();
  const ms = performance.now() - t;
  const ok = (text.match(/statusCode="201"/g) ?? []).length;
  if (r.status !== 200 || ok !== (text.match(/<create /g) ?? []).length)
    throw new Error(`multi-create failed: ${r.status} ${text.slice(0, 500)}`);
  // Waited for before the next round's parse-only baseline, so that enqueueing never runs beside it.
  while ((await waitingMatchJobs()) < before + ok) await new Promise((res) => setTimeout(res, 2));
  return { ms, queuedMs: performance.now() - t };
}

const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  console.log(s);
};
out('# SIF surface benchmark');
out('');
out(`Command: \`node --import tsx bench/sif/run.ts --objects ${objects} --stored ${stored} --rounds ${rounds}\``);
out(
  `Machine: ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ')} at start.`,
);
out('');
out(`## Multi-create of ${objects} StudentPersonals in one request`);
out('');
out(
  '| round | gateway ms (answer) | objects/s | ms until the match jobs are in Redis | ' +
    'fast-xml-parser parse-only ms | parse objects/s | ratio | CPU ms of this process (request; parse) | ' +
    'CPU ratio | load (1 min) |',
);
out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const ratios: number[] = [];
const cpuRatios: number[] = [];
/** CPU milliseconds this process spent since `from` (user and system): less at the mercy of a busy machine's queue. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};
for (let round = 1; round <= rounds; round++) {
  const body = collection(objects);
  const parser = new XMLParser(SIF_PARSER_OPTIONS);
  parser.parse(body);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const parses = 20;
  for (let i = 0; i < parses; i++) parser.parse(body);
  const parseMs = (performance.now() - t0) / parses;
  const parseCpu = cpuMs(c0) / parses;
  // The gateway runs in this process: its CPU for the request (the client's fetch included, Postgres and Redis not).
  const c1 = process.cpuUsage();
  const { ms, queuedMs } = await create(body);
  const requestCpu = cpuMs(c1);
  const ratio = parseMs / ms;
  ratios.push(ratio);
  cpuRatios.push(parseCpu / requestCpu);
  out(
    `| ${round} | ${ms.toFixed(0)} | ${((objects / ms) * 1000).toFixed(0)} | ${queuedMs.toFixed(0)} | ` +
      `${parseMs.toFixed(1)} | ${((objects / parseMs) * 1000).toFixed(0)} | ${ratio.toFixed(3)} | ` +
      `${requestCpu.toFixed(0)}; ${parseCpu.toFixed(1)} | ${(parseCpu / requestCpu).toFixed(3)} | ` +
      `${loadavg()[0]!.toFixed(1)} |`,
  );
}
out('');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(3);
out(
  `Median ratio (gateway objects/s ÷ parse-only objects/s): ${median(ratios)}; ` +
    `by CPU of this process: ${median(cpuRatios)}.`,
);

// Fill up to `stored` objects (copies of the ones written, with their own RefIds: writing them all through the API
// would take longer than this figure is worth), then page through them.
await db.query(
  `INSERT INTO sif_objects (ref_id, state_code, zone_id, object, state_student_id, body)
   SELECT upper(replace(gen_random_uuid()::text, '-', '')), state_code, zone_id, object,
     state_student_id || '-' || g, body
   FROM (SELECT * FROM sif_objects WHERE object = 'StudentPersonal' LIMIT 1) o, generate_series(1, $1) g`,
  [Math.max(0, stored - serial)],
);
serial = Math.max(serial, stored);
out('');
out(`## Query of ${serial} StudentPersonals paged by 100`);
out('');
const pages = Math.ceil(serial / 100);
const gatewayMs: number[] = [];
const selectMs: number[] = [];
for (let page = 1; page <= pages; page++) {
  const t = performance.now();
  const r = await fetch(`${base}/requests/StudentPersonals`, {
    headers: { authorization: auth, navigationPage: String(page), navigationPageSize: '100' },
  });
  await r.text();
  gatewayMs.push(performance.now() - t);
  if (r.status !== 200) throw new Error(`page ${page}: ${r.status}`);
  const s = performance.now();
  // The statement a page needs (the page chosen on the sort columns, then its rows read whole, with the total).
  await db.query(
    `WITH page AS (SELECT created_at, ref_id, count(*) OVER () AS total FROM sif_objects
       WHERE state_code = 'TX' AND zone_id = 'TX' AND object = 'StudentPersonal' AND deleted_at IS NULL
       ORDER BY created_at, ref_id OFFSET $1 LIMIT 100)
     SELECT s.body, page.total FROM page JOIN sif_objects s ON s.ref_id = page.ref_id
     ORDER BY page.created_at, page.ref_id`,
    [(page - 1) * 100],
  );
  selectMs.push(performance.now() - s);
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
out('| | p50 ms | p95 ms | max ms |');
out('| --- | --- | --- | --- |');
const row = (label: string, xs: number[]) =>
  `| ${label} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.95).toFixed(1)} | ${pct(xs, 1).toFixed(1)} |`;
out(row('gateway page (auth, count, page, XML)', gatewayMs));
out(row('one SELECT of the page (baseline)', selectMs));

writeFileSync(fileURLToPath(new URL('./results.md', import.meta.url)), `${lines.join('\n')}\n`);
await app.close();
await queue.close();
await db.close();
for (const stop of infra.stops) await stop();
