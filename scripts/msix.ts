/**
 * `msix`, the vendor command line.
 *
 * msix validate <file|folder> [--adapter <id>] [--state XX] [--json] [--csv <out.csv>] [--report <out.json>] [--config
 * <adapter-config.json>]
 *       Reads a state file offline with the same adapter and the same report as the gateway.
 *   msix submit <file|folder> --state XX [--adapter <id>] [--url …] [--client-id … --client-secret …]
 *       Uploads with a progress bar, follows the ingest, prints the same report.
 *
 * Exit codes: 0 every record applied and no file error; 1 something was rejected or a file error; 2 usage.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { collect, fromBytes, inputFromPath, writeTar } from '@msix/adapter-sdk';
import { certify, renderCertificationHtml } from '@msix/adapter-sdk/conformance';
import { ACCEPTED_SDK_MAJORS, loadAdapters, parseAdapterList, resolveAdapterSource } from '../adapters/registry.js';
import {
  ReportBuilder,
  renderReportCsv,
  renderReportJson,
  renderReportSummary,
  type IngestReport,
} from '../core/ingest/report.js';
import { integerOption, parseCommandLine } from '../lib/cli.js';
import { initAdapter } from './adapter-init.js';

const USAGE = `usage:
  msix validate <file|folder> [--adapter <id>] [--state XX] [--json] [--csv <out.csv>] [--report <out.json>]
                [--config <adapter-config.json>]
  msix submit <file|folder> --state XX [--adapter <id>] [--url <gateway>]
                [--token T | --client-id ID --client-secret S] [--json] [--csv <out.csv>] [--no-wait]
  msix adapters                   list installed adapters (with those ADAPTERS names) and disabled ones
  msix adapter init <name> [--dir <parent>]
                write a new adapter package (npm name, e.g. @acme/adapter-nightly) that builds and tests green
  msix adapter check <path-or-package> [--file <sample>]… [--out <dir>] [--students N]
                run the conformance kit on an adapter package and write its certification report`;

/** The command line's positionals (`_`: command, path) and options, as validate and submit read them. */
interface Flags {
  _: string[];
  [k: string]: string | boolean | string[] | undefined;
}

const OPTIONS = {
  adapter: { type: 'string' },
  state: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'string' },
  report: { type: 'string' },
  config: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'no-wait': { type: 'boolean' },
  dir: { type: 'string' },
  file: { type: 'string', multiple: true },
  out: { type: 'string' },
  students: { type: 'string' },
} as const;

/** Strict: an unknown option, or one without its value, is a usage error (exit 2); --help prints the usage. */
function readCommandLine(argv: string[]): Flags {
  const { values, positionals } = parseCommandLine({ usage: USAGE, options: OPTIONS, positionals: true }, argv);
  return { ...values, _: positionals };
}

const str = (f: Flags, k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

async function validate(f: Flags): Promise<number> {
  const path = f._[1];
  if (!path) {
    console.error(USAGE);
    return 2;
  }
  const configPath = str(f, 'config');
  const adapterConfig = configPath ? JSON.parse(await readFile(configPath, 'utf8')) : undefined;
  let id = str(f, 'adapter');
  // The gateway's own adapters and those ADAPTERS names, as the gateway loads them.
  const packages = parseAdapterList(process.env.ADAPTERS);
  const registry = await loadAdapters(
    id && adapterConfig
      ? { only: [id], adapters: { [id]: adapterConfig }, packages }
      : id
        ? { only: [id], packages }
        : { packages },
  );
  if (!id) {
    const candidates = registry.forFileName(path);
    if (candidates.length !== 1) {
      console.error(
        `cannot tell the adapter from the file name; pass --adapter (${[...registry.adapters.keys()].join(', ')})`,
      );
      return 2;
    }
    id = candidates[0]!.manifest.id;
  }
  const adapter = registry.get(id);
  if (!adapter) {
    const off = registry.disabled.find((d) => d.id === id);
    console.error(
      off
        ? `adapter ${id} is disabled (${off.stage}): ${off.reason}`
        : `no adapter ${id}; installed: ${[...registry.adapters.keys()].join(', ')}`,
    );
    return 2;
  }
  const stateCode = str(f, 'state')?.toUpperCase();
  const builder = new ReportBuilder({
    adapter: id,
    fileName: basename(path),
    ...(stateCode ? { stateCode } : {}),
    startedAt: new Date().toISOString(),
  });
  const input = await inputFromPath(resolve(path));
  for await (const ev of adapter.parse(input, { ...(stateCode ? { stateCode } : {}), fileName: basename(path) }))
    builder.add(ev);
  const report = builder.build(new Date().toISOString());
  const csvPath = str(f, 'csv');
  if (csvPath) await writeFile(csvPath, renderReportCsv(report));
  const jsonPath = str(f, 'report');
  if (jsonPath) await writeFile(jsonPath, renderReportJson(report));
  if (f.json) console.log(renderReportJson(report));
  else console.log(renderReportSummary(report));
  return report.counts.rejected || report.counts.unsupported || report.counts.fileErrors ? 1 : 0;
}

const FINAL = new Set(['completed', 'completed_with_errors', 'rejected', 'failed']);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

function bar(done: number, total: number, label: string): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const fill = Math.round(frac * width);
  process.stderr.write(
    `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${String(Math.round(frac * 100)).padStart(3)}% ${label}   `,
  );
}

async function token(f: Flags, base: string): Promise<string> {
  const given = str(f, 'token') ?? process.env.MSIX_TOKEN;
  if (given) return given;
  const id = str(f, 'client-id') ?? process.env.MSIX_CLIENT_ID;
  const secret = str(f, 'client-secret') ?? process.env.MSIX_CLIENT_SECRET;
  if (!id || !secret)
    throw new Error(
      'give --token, or --client-id and --client-secret (or MSIX_TOKEN / MSIX_CLIENT_ID / MSIX_CLIENT_SECRET)',
    );
  const r = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    body: 'grant_type=client_credentials',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
  });
  if (!r.ok) throw new Error(`token request failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** The bytes to upload: the file itself, or a tar of a folder (multi-file formats such as Ed-Fi interchanges). */
async function uploadBody(path: string): Promise<{ size: number; name: string; open: () => AsyncIterable<Buffer> }> {
  const s = await stat(path);
  if (!s.isDirectory())
    return { size: s.size, name: basename(path), open: () => createReadStream(path, { highWaterMark: 256 * 1024 }) };
  const names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
  const entries = [];
  for (const n of names)
    if ((await stat(join(path, n))).isFile()) entries.push({ name: n, data: await readFile(join(path, n)) });
  const tar = await collect(writeTar(entries));
  return { size: tar.length, name: `${basename(path)}.tar`, open: () => fromBytes(tar, 256 * 1024) };
}

async function submit(f: Flags): Promise<number> {
  const path = f._[1];
  const state = str(f, 'state')?.toUpperCase();
  if (!path || !state) {
    console.error(USAGE);
    return 2;
  }
  const base = (str(f, 'url') ?? process.env.MSIX_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const auth = { authorization: `Bearer ${await token(f, base)}` };
  const file = await uploadBody(resolve(path));
  const adapter = str(f, 'adapter');
  const query = new URLSearchParams({ filename: file.name, ...(adapter ? { adapter } : {}) });
  let sent = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const c of file.open()) {
        sent += c.length;
        bar(sent, file.size, `uploading ${mb(sent)}/${mb(file.size)} MB`);
        yield c;
      }
    })(),
  );
  const up = await fetch(`${base}/api/v1/states/${state}/files?${query}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(file.size) },
    body: Readable.toWeb(counted) as unknown as NonNullable<RequestInit['body']>,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (up.status !== 202) {
    console.error(`upload refused: ${up.status} ${await up.text()}`);
    return 1;
  }
  const accepted = (await up.json()) as { exchangeId: string; resendOf: string | null };
  console.error(
    `exchange ${accepted.exchangeId}` +
      (accepted.resendOf ? ` (same bytes as ${accepted.resendOf}: records already stored come back unchanged)` : ''),
  );
  if (f['no-wait']) {
    console.log(accepted.exchangeId);
    return 0;
  }
  let ex: { status: string; counts: Record<string, number> };
  for (;;) {
    const r = await fetch(`${base}/api/v1/exchanges/${accepted.exchangeId}`, { headers: auth });
    ex = (await r.json()) as typeof ex;
    const c = ex.counts ?? {};
    const total = c.declared ?? 0; // the header's total, when the format has one
    bar(
      c.read ?? 0,
      total || (c.read ?? 0) || 1,
      `${ex.status}: read ${c.read ?? 0}, applied ${c.accepted ?? 0}, rejected ${c.rejected ?? 0}`,
    );
    if (FINAL.has(ex.status)) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const rep = await fetch(`${base}/api/v1/exchanges/${accepted.exchangeId}/report`, { headers: auth });
  if (!rep.ok) {
    console.error(`exchange ${ex.status}; no report: ${rep.status} ${await rep.text()}`);
    return 1;
  }
  const report = (await rep.json()) as IngestReport;
  const csvPath = str(f, 'csv');
  if (csvPath) await writeFile(csvPath, renderReportCsv(report));
  if (f.json) console.log(renderReportJson(report));
  else console.log(renderReportSummary(report));
  return report.counts.rejected || report.counts.unsupported || report.counts.fileErrors ? 1 : 0;
}

async function adapters(): Promise<number> {
  const registry = await loadAdapters({ packages: parseAdapterList(process.env.ADAPTERS) });
  for (const a of registry.adapters.values())
    console.log(
      `${a.manifest.id}@${a.manifest.version}  states ${a.manifest.states.join(',')}  ` +
        `${a.manifest.formats.map((x) => x.extensions.map((e) => `.${e}`).join('/')).join(' ')}`,
    );
  for (const d of registry.disabled) console.log(`${d.id}  DISABLED (${d.stage}): ${d.reason}`);
  return 0;
}

async function adapterCommand(f: Flags): Promise<number> {
  const [, sub, target] = f._;
  if (sub === 'init' && target) {
    const r = initAdapter(target, resolve(str(f, 'dir') ?? '.'));
    if (r.kind === 'error') {
      console.error(`msix adapter init: ${r.reason}`);
      return 2;
    }
    console.log(`wrote adapter ${r.id} in ${r.dir}\nnext: cd ${r.dir} && npm install && npm test`);
    return 0;
  }
  if (sub === 'check' && target) return adapterCheck(target, f);
  console.error(USAGE);
  return 2;
}

/** `msix adapter check`: the kit, coverage and samples on one adapter package; writes the certification report. */
async function adapterCheck(target: string, f: Flags): Promise<number> {
  const text = str(f, 'students');
  // The shared option parser: a non-number, a fraction or less than 1 is a usage error (exit 2) naming the option.
  const students = text === undefined ? undefined : integerOption(text, 'students', 0, USAGE);
  // A folder of that name here first (`adapter-nightly` just made by init), else a path or an installed package.
  const found = existsSync(resolve(target))
    ? { kind: 'ok' as const, dir: resolve(target) }
    : resolveAdapterSource(target, process.cwd());
  if (found.kind === 'error') {
    console.error(`msix adapter check: ${found.reason}`);
    return 2;
  }
  const samples = ((f.file as string[] | undefined) ?? []).map((p) => resolve(p));
  const report = await certify(found.dir, {
    samples,
    load: { acceptedMajors: ACCEPTED_SDK_MAJORS },
    ...(students ? { largeFileStudents: students } : {}),
    log: (l: string) => console.error(l),
  });
  const out = resolve(str(f, 'out') ?? 'certification');
  await mkdir(out, { recursive: true });
  const name = `${report.adapter.id}-${report.adapter.version || 'unknown'}-certification`;
  await writeFile(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, `${name}.html`), renderCertificationHtml(report));
  for (const c of report.checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}`);
  console.log(
    `coverage: ${report.coverage.mapped} of ${report.coverage.total} canonical fields mapped both ways` +
      (report.performance ? `; ${report.performance.studentsPerSecond} students/s` : ''),
  );
  console.log(`${report.ok ? 'certified' : 'NOT certified'}: ${join(out, `${name}.html`)} (and .json)`);
  return report.ok ? 0 : 1;
}

const flags = readCommandLine(process.argv.slice(2));
const cmd = flags._[0];
async function run(): Promise<number> {
  if (!cmd) {
    console.log(USAGE);
    return 2;
  }
  if (cmd === 'validate') return validate(flags);
  if (cmd === 'submit') return submit(flags);
  if (cmd === 'adapters') return adapters();
  if (cmd === 'adapter') return adapterCommand(flags);
  console.error(`unknown command ${cmd}\n${USAGE}`);
  return 2;
}
process.exit(await run());
