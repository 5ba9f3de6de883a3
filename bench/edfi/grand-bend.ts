/**
 * A full Grand Bend load through the HTTP surface, timed: every sample interchange file of the Data Standard 5.2
 * (`Samples/xml/`, 49 files) converted to Ed-Fi JSON (bench/edfi/interchange.ts, guided by the model's schemas) and
 * POSTed resource by resource in load order, as an Ed-Fi client syncs, over real HTTP on loopback against the real
 * gateway (server.ts). Resources of one load-order level go in parallel over `--connections` keep-alive connections.
 * Writes bench/edfi/grand-bend.md: documents per resource, statuses, documents per second.
 *
 *   node --import tsx bench/edfi/grand-bend.ts [--connections 16]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchInfrastructure } from '../support/infra.js';
import { startBenchServer } from './server-process.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';
import { InterchangeConverter } from './interchange.js';
import { resourceNamed, type ResourceDef } from '../../specs/edfi/catalog.js';

const USAGE = 'usage: node --import tsx bench/edfi/grand-bend.ts [--connections 16]';
const { values } = parseCommandLine({ usage: USAGE, options: { connections: { type: 'string' } } });
const connections = integerOption(values.connections, 'connections', 16, USAGE);
const here = fileURLToPath(new URL('.', import.meta.url));
const samples = join(process.env.MSIX_SHARED_DATA ?? join(here, '../../../shared/data'), 'edfi/Samples/xml');

const files = readdirSync(samples)
  .filter((f) => f.endsWith('.xml'))
  .sort();
const converter = new InterchangeConverter();
const docs: { def: ResourceDef; doc: Record<string, unknown> }[] = [];
const notServed = new Map<string, number>();
const t0 = performance.now();
for (const f of files)
  for (const x of converter.convertFile(readFileSync(join(samples, f), 'utf8'))) {
    if (x.def && x.doc) docs.push({ def: x.def, doc: x.doc });
    else notServed.set(x.tag, (notServed.get(x.tag) ?? 0) + 1);
  }
const convertMs = performance.now() - t0;

const infra = await benchInfrastructure('edfi_grand_bend');
const { gatewayPort, token } = await startBenchServer(infra);
const origin = `http://127.0.0.1:${gatewayPort}`;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

// School years are not in the sample files: an ODS ships them. Sent first, as the setup of the target.
const schoolYears = resourceNamed('schoolYearTypes');
for (let y = 2015; y <= 2030; y++)
  docs.unshift({
    def: schoolYears,
    doc: { schoolYear: y, schoolYearDescription: `${y - 1}-${y}`, currentSchoolYear: y === 2022 },
  });
const levels = [...new Set(docs.map((d) => d.def.order))].sort((a, b) => a - b);
const statuses = new Map<string, Map<number, number>>();
const firstRefusal = new Map<string, string>();
const started = performance.now();
let retried = 0;
for (const level of levels) {
  // A resource may reference itself (an objective assessment its parent): what a sibling was still missing is
  // sent again once the level is through, while that makes progress, as a client's retry would.
  let queue = docs.filter((d) => d.def.order === level);
  for (;;) {
    const again: typeof queue = [];
    const last = new Map<(typeof queue)[number], { status: number; text: string }>();
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < queue.length) {
          const item = queue[next++]!;
          const r = await fetch(`${origin}/data/v3/${item.def.project ?? 'ed-fi'}/${item.def.name}`, {
            method: 'POST',
            headers,
            body: JSON.stringify(item.doc),
          });
          const text = await r.text();
          last.set(item, { status: r.status, text });
          if (r.status === 409) again.push(item);
        }
      }),
    );
    for (const [item, { status, text }] of last) {
      if (status === 409 && again.length < queue.length) continue; // counted after its retry
      if (status >= 400 && !firstRefusal.has(item.def.name)) firstRefusal.set(item.def.name, text.slice(0, 400));
      const m = statuses.get(item.def.name) ?? new Map<number, number>();
      m.set(status, (m.get(status) ?? 0) + 1);
      statuses.set(item.def.name, m);
    }
    if (again.length === 0 || again.length === queue.length) break;
    retried += again.length;
    queue = again;
  }
}
const loadMs = performance.now() - started;
for (const s of infra.stops) await s();

const rows = [...statuses].sort(([a], [b]) => a.localeCompare(b));
const ok = rows.reduce((n, [, m]) => n + (m.get(201) ?? 0) + (m.get(200) ?? 0), 0);
const refused = docs.length - ok;
const lines = [
  '# Grand Bend full load through the Ed-Fi API',
  '',
  `Command: \`node --import tsx bench/edfi/grand-bend.ts --connections ${connections}\` ` +
    `(run ${new Date().toISOString().slice(0, 10)}).`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${infra.pgVersion}, ` +
    'Redis on loopback; the gateway in a child process; matching workers not running.',
  '',
  `${files.length} sample files, ${docs.length} documents of ${rows.length} resources converted in ` +
    `${(convertMs / 1000).toFixed(1)} s, POSTed in load order (${levels.length} levels, ${connections} connections) ` +
    `in **${(loadMs / 1000).toFixed(1)} s: ${Math.round((docs.length / loadMs) * 1000)} documents/s**; ` +
    `${ok} accepted (201/200), ${refused} refused; ${retried} sent again after a sibling they reference ` +
    `(16 school years sent first, as an ODS has them).`,
  '',
  `Interchange elements that are not resources of the API (descriptors and extension-only entities): ` +
    `${[...notServed].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}.`,
  '',
  '| resource | documents | statuses |',
  '|---|---:|---|',
  ...rows.map(
    ([name, m]) =>
      `| ${name} | ${[...m.values()].reduce((a, b) => a + b, 0)} | ${[...m]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ')} |`,
  ),
  '',
  ...(firstRefusal.size
    ? ['First refusal per resource:', '', ...[...firstRefusal].map(([k, v]) => `- ${k}: \`${v.replace(/`/g, "'")}\``)]
    : []),
  '',
];
writeFileSync(join(here, 'grand-bend.md'), lines.join('\n'));
console.log(lines.slice(0, 8).join('\n'));
