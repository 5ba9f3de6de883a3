/**
 * The conformance kit: one suite every adapter must pass, run from
 * `npm run adapter:check -- adapters/<id>` and from vitest. It checks what a
 * state relies on: nothing mapped is lost in a round trip, missing required
 * fields and bad values are classified at the right field, the same file
 * always gives the same answer, and a 40,000-student file streams in bounded
 * memory.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { StateRecordSchema, type StateRecord } from '../canonical/index.js';
import { collect, fromBytes, inputFromPath } from '../bytes.js';
import { loadAdapter, type LoadOptions } from '../loader.js';
import type { AdapterInput, LoadedAdapter, ParseContext, ParseEvent } from '../types.js';
import { readFixtures, type Fixture, type FixtureSet } from './fixtures.js';
import { generateRecords } from './generate.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What failed (or, when ok, short notes). */
  details: string[];
  figures?: Record<string, number | string>;
}

export interface ConformanceReport {
  adapter: string;
  dir: string;
  ok: boolean;
  checks: CheckResult[];
}

export interface ConformanceOptions {
  /** Students in the generated large file (default: manifest, else 40,000). */
  largeFileStudents?: number;
  skipLarge?: boolean;
  /** Adapter configuration (default: fixtures.json `config`). */
  config?: unknown;
  log?: (line: string) => void;
  /** How to load the adapter: accepted SDK majors, an entry instead of the manifest's (sources before a build). */
  load?: LoadOptions;
}

const MiB = 1024 * 1024;

async function events(adapter: LoadedAdapter, input: AdapterInput, ctx: ParseContext): Promise<ParseEvent[]> {
  const out: ParseEvent[] = [];
  for await (const ev of adapter.parse(input, ctx)) out.push(ev);
  return out;
}

/** JSON with sorted keys: equal values give equal strings. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
}

function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (canonical(a) === canonical(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`);
      if (d) return d;
    }
  }
  return `${path || '/'}: ${JSON.stringify(a)} then ${JSON.stringify(b)}`;
}

const records = (evs: ParseEvent[]) => evs.flatMap((e) => (e.kind === 'ok' ? [e.record] : []));
const results = (evs: ParseEvent[]) =>
  evs.filter(
    (e): e is Extract<ParseEvent, { kind: 'ok' | 'invalid' | 'unsupported' }> =>
      e.kind === 'ok' || e.kind === 'invalid' || e.kind === 'unsupported',
  );
const fileIssues = (evs: ParseEvent[]) => evs.flatMap((e) => (e.kind === 'file' ? [e.issue] : []));

async function formatToBuffer(adapter: LoadedAdapter, recs: Iterable<StateRecord>, ctx: ParseContext): Promise<Buffer> {
  return collect(
    adapter.format(recs, { ...(ctx.stateCode ? { stateCode: ctx.stateCode } : {}), now: '2024-01-15T09:30:00.000Z' }),
  );
}

function checkShape(evs: ParseEvent[]): string[] {
  const problems: string[] = [];
  const ends = evs.filter((e) => e.kind === 'end');
  if (ends.length !== 1 || evs[evs.length - 1]?.kind !== 'end')
    problems.push('the stream must end with exactly one end event');
  const end = ends[0];
  if (end?.kind === 'end') {
    const r = results(evs);
    const count = (k: string) => r.filter((x) => x.kind === k).length;
    if (
      end.summary.ok !== count('ok') ||
      end.summary.invalid !== count('invalid') ||
      end.summary.unsupported !== count('unsupported')
    )
      problems.push('the end summary does not match the records yielded');
  }
  for (const e of results(evs))
    if (typeof e.source?.recordNumber !== 'number') problems.push('a record result has no source.recordNumber');
  return problems;
}

async function checkValid(adapter: LoadedAdapter, set: FixtureSet, fixtures: Fixture[]): Promise<CheckResult> {
  const details: string[] = [];
  let n = 0;
  for (const f of fixtures) {
    const evs = await events(adapter, await inputFromPath(f.path), { ...set.context, ...f.expect.context });
    details.push(...checkShape(evs).map((p) => `${f.name}: ${p}`));
    for (const r of results(evs)) {
      n++;
      if (r.kind !== 'ok')
        details.push(
          `${f.name}: record ${r.source.recordNumber} is ${r.kind}: ` +
            `${r.kind === 'invalid' ? r.issues.map((i) => `${i.path} ${i.message}`).join('; ') : r.reason}`,
        );
    }
    for (const i of fileIssues(evs))
      if (i.severity === 'error') details.push(`${f.name}: file issue ${i.code}: ${i.message}`);
    if (!results(evs).length) details.push(`${f.name}: no records`);
  }
  if (!fixtures.length) details.push('no valid fixtures in fixtures/valid/');
  return { name: 'valid fixtures parse ok', ok: details.length === 0, details, figures: { records: n } };
}

async function checkRoundTrip(adapter: LoadedAdapter, set: FixtureSet, fixtures: Fixture[]): Promise<CheckResult> {
  const details: string[] = [];
  let n = 0;
  for (const f of fixtures) {
    const ctx = { ...set.context, ...f.expect.context };
    const a = records(await events(adapter, await inputFromPath(f.path), ctx));
    const bytes = await formatToBuffer(adapter, a, ctx);
    const b = records(await events(adapter, fromBytes(bytes, 4096), ctx));
    if (a.length !== b.length)
      details.push(`${f.name}: ${a.length} records parsed, ${b.length} after format and parse`);
    a.forEach((rec, i) => {
      const d = firstDifference(rec, b[i]);
      if (d) details.push(`${f.name} record ${i + 1}: ${d}`);
      else n++;
    });
  }
  return {
    name: 'round trip (parse → format → parse) keeps mapped fields',
    ok: details.length === 0,
    details,
    figures: { records: n },
  };
}

/** Required canonical paths present in a record, read from the schema itself. */
function requiredPaths(rec: StateRecord, carries: string[] | undefined): string[] {
  const schema = StateRecordSchema as unknown as {
    required?: string[];
    properties: Record<string, { required?: string[]; items?: { required?: string[] } }>;
  };
  const out: string[] = [];
  for (const k of schema.required ?? []) {
    if (carries && !carries.includes(k)) continue;
    const sub = schema.properties[k];
    if (sub?.required) for (const r of sub.required) out.push(`/${k}/${r}`);
    else out.push(`/${k}`);
  }
  for (const [k, sub] of Object.entries(schema.properties)) {
    const list = (rec as unknown as Record<string, unknown>)[k];
    if (!Array.isArray(list) || !list.length || !sub.items?.required || (carries && !carries.includes(k))) continue;
    for (const r of sub.items.required) out.push(`/${k}/0/${r}`);
  }
  return out.filter((p) => p !== '/stateCode');
}

function without(rec: StateRecord, path: string): StateRecord {
  const copy = structuredClone(rec) as unknown as Record<string, unknown>;
  const keys = path.split('/').slice(1);
  let cur: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  delete cur[keys[keys.length - 1]!];
  return copy as unknown as StateRecord;
}

async function checkRequired(adapter: LoadedAdapter, set: FixtureSet, fixtures: Fixture[]): Promise<CheckResult> {
  const details: string[] = [];
  const f = fixtures[0];
  if (!f) return { name: 'required fields', ok: false, details: ['no valid fixture to derive a record from'] };
  const ctx = { ...set.context, ...f.expect.context };
  const rec = records(await events(adapter, await inputFromPath(f.path), ctx))[0];
  if (!rec) return { name: 'required fields', ok: false, details: [`${f.name} gave no ok record`] };
  const defaulted = (adapter.manifest.conformance?.defaulted ?? []).map(
    (d) => new RegExp(`^${d.replace(/\*/g, '\\d+')}$`),
  );
  const paths = requiredPaths(rec, adapter.manifest.conformance?.carries).filter(
    (p) => !defaulted.some((re) => re.test(p)),
  );
  for (const p of paths) {
    const bytes = await formatToBuffer(adapter, [without(rec, p)], ctx);
    const evs = await events(adapter, fromBytes(bytes), ctx);
    const r = results(evs);
    if (r.length === 0) {
      if (!fileIssues(evs).some((i) => i.severity === 'error'))
        details.push(`${p}: removed, and the record vanished without an error`);
      continue;
    }
    const first = r[0]!;
    if (first.kind !== 'invalid') details.push(`${p}: removed, but the record is ${first.kind}`);
    else if (
      !first.issues.some(
        (i) => i.path === p || i.path.startsWith(`${p}/`) || p.startsWith(`${i.path}/`) || i.path === '',
      )
    ) {
      details.push(`${p}: removed, but the issues name ${first.issues.map((i) => i.path).join(', ')}`);
    }
  }
  return { name: 'required fields are enforced', ok: details.length === 0, details, figures: { fields: paths.length } };
}

async function checkErrors(adapter: LoadedAdapter, set: FixtureSet, fixtures: Fixture[]): Promise<CheckResult> {
  const details: string[] = [];
  for (const f of fixtures) {
    const x = f.expect;
    const evs = await events(adapter, await inputFromPath(f.path), { ...set.context, ...x.context });
    details.push(...checkShape(evs).map((p) => `${f.name}: ${p}`));
    const r = results(evs);
    if (!x.records && !x.fileIssues && !x.counts) details.push(`${f.name}: has no ${f.name.split('/')[1]}.expect.json`);
    if (x.records) {
      if (r.length !== x.records.length)
        details.push(`${f.name}: ${r.length} record results, expected ${x.records.length}`);
      x.records.forEach((want, i) => {
        const got = r[i];
        if (!got) return;
        const tag = `${f.name} record ${i + 1}`;
        if (got.kind !== want.kind)
          details.push(
            `${tag}: ${got.kind}, expected ` +
              (`${want.kind}` +
                `${got.kind === 'invalid' ? ` (${got.issues.map((s) => `${s.path} ${s.rule}`).join('; ')})` : ''}`),
          );
        if (want.studentKey !== undefined && got.source.studentKey !== want.studentKey)
          details.push(`${tag}: student ${got.source.studentKey}, expected ${want.studentKey}`);
        if (got.kind === 'invalid') {
          const errs = got.issues.filter((s) => (s.severity ?? 'error') === 'error');
          if (want.paths) {
            const have = [...new Set(errs.map((s) => s.path))].sort();
            const exp = [...new Set(want.paths)].sort();
            if (canonical(have) !== canonical(exp))
              details.push(`${tag}: issue paths ${JSON.stringify(have)}, expected ${JSON.stringify(exp)}`);
          }
          for (const rule of want.rules ?? [])
            if (!got.issues.some((s) => s.rule === rule)) details.push(`${tag}: no issue with rule ${rule}`);
          for (const s of got.issues)
            if (!s.message || !s.rule) details.push(`${tag}: an issue lacks a message or rule`);
        } else if (got.kind === 'ok') {
          for (const rule of want.rules ?? [])
            if (!got.warnings.some((s) => s.rule === rule)) details.push(`${tag}: no warning with rule ${rule}`);
        }
      });
    }
    const codes = fileIssues(evs);
    for (const c of x.fileIssues ?? [])
      if (!codes.some((i) => i.code === c))
        details.push(`${f.name}: expected file issue ${c}; got ${codes.map((i) => i.code).join(', ') || 'none'}`);
    for (const i of codes)
      if (i.severity === 'error' && !(x.fileIssues ?? []).includes(i.code))
        details.push(`${f.name}: unexpected file error ${i.code}: ${i.message}`);
    for (const [k, v] of Object.entries(x.counts ?? {})) {
      const got = r.filter((e) => e.kind === k).length;
      if (got !== v) details.push(`${f.name}: ${got} ${k}, expected ${v}`);
    }
  }
  if (!fixtures.length) details.push('no bad-input fixtures in fixtures/invalid/');
  return {
    name: 'bad input is classified (records and file issues)',
    ok: details.length === 0,
    details,
    figures: { fixtures: fixtures.length },
  };
}

async function checkIdempotent(adapter: LoadedAdapter, set: FixtureSet, fixtures: Fixture[]): Promise<CheckResult> {
  const details: string[] = [];
  for (const f of fixtures) {
    const ctx = { ...set.context, ...f.expect.context };
    const a = await events(adapter, await inputFromPath(f.path), ctx);
    const b = await events(adapter, await inputFromPath(f.path), ctx);
    if (canonical(a) !== canonical(b)) details.push(`${f.name}: two parses of the same file differ`);
    const recs = records(a);
    if (recs.length) {
      const x = await formatToBuffer(adapter, recs, ctx);
      const y = await formatToBuffer(adapter, recs, ctx);
      if (!x.equals(y)) details.push(`${f.name}: formatting the same records twice gives different bytes`);
    }
  }
  return { name: 'idempotent (same file, same result; same records, same bytes)', ok: details.length === 0, details };
}

function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

async function checkLarge(
  adapter: LoadedAdapter,
  set: FixtureSet,
  students: number,
  log?: (l: string) => void,
): Promise<CheckResult> {
  const dir = mkdtempSync(join(tmpdir(), 'msix-conformance-'));
  const file = join(dir, `large.${adapter.manifest.formats[0]?.extensions[0] ?? 'dat'}`);
  const ctx = { ...set.context, limits: { maxStudents: Math.max(students, 40_000) } };
  try {
    const t0 = performance.now();
    await pipeline(
      Readable.from(
        adapter.format(generateRecords(students, { ...(ctx.stateCode ? { stateCode: ctx.stateCode } : {}) }), {
          ...(ctx.stateCode ? { stateCode: ctx.stateCode } : {}),
        }),
      ),
      createWriteStream(file),
    );
    const genMs = performance.now() - t0;
    const bytes = statSync(file).size;
    log?.(`  generated ${students} students, ${(bytes / MiB).toFixed(1)} MiB in ${(genMs / 1000).toFixed(1)} s`);
    const gc = gcFunction();
    gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let peakRetained = 0;
    let ok = 0,
      invalid = 0,
      other = 0,
      n = 0;
    const firstProblems: string[] = [];
    const t1 = performance.now();
    for await (const ev of adapter.parse(createReadStream(file, { highWaterMark: 256 * 1024 }), ctx)) {
      if (ev.kind === 'ok') ok++;
      else if (ev.kind === 'invalid') {
        invalid++;
        if (firstProblems.length < 3)
          firstProblems.push(
            `record ${ev.source.recordNumber}: ${ev.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
          );
      } else if (ev.kind === 'unsupported') other++;
      else if (ev.kind === 'file' && ev.issue.severity === 'error' && firstProblems.length < 3)
        firstProblems.push(`file: ${ev.issue.code} ${ev.issue.message}`);
      if (++n % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (gc && n % 10_000 === 0) {
        gc();
        peakRetained = Math.max(peakRetained, process.memoryUsage().heapUsed - base);
      }
    }
    const parseMs = performance.now() - t1;
    gc?.();
    peakRetained = Math.max(peakRetained, 0);
    const growth = (peak - base) / MiB;
    const limit = adapter.manifest.conformance?.maxHeapGrowthMiB ?? 96;
    const details: string[] = [...firstProblems];
    if (ok !== students)
      details.push(`${ok} of ${students} generated students parsed ok (${invalid} invalid, ${other} unsupported)`);
    if (growth > limit)
      details.push(`heap grew by ${growth.toFixed(1)} MiB while parsing; the adapter allows ${limit} MiB`);
    return {
      name: `streams a ${students.toLocaleString('en-US')}-student file in bounded memory`,
      ok: details.length === 0,
      details,
      figures: {
        students,
        fileMiB: Number((bytes / MiB).toFixed(1)),
        parseSeconds: Number((parseMs / 1000).toFixed(2)),
        studentsPerSecond: Math.round(students / (parseMs / 1000)),
        heapGrowthMiB: Number(growth.toFixed(1)),
        retainedAfterGcMiB: gc ? Number((peakRetained / MiB).toFixed(1)) : 'n/a',
        limitMiB: limit,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the whole suite on one adapter folder. Never throws for adapter faults: they become failed checks. */
export async function runConformance(adapterDir: string, opts: ConformanceOptions = {}): Promise<ConformanceReport> {
  const set = readFixtures(adapterDir);
  const loaded = await loadAdapter(adapterDir, opts.config ?? set.config, opts.load);
  if (loaded.kind === 'disabled') {
    return {
      adapter: loaded.disabled.id,
      dir: adapterDir,
      ok: false,
      checks: [
        {
          name: 'loads (manifest, config, crosswalks, entry)',
          ok: false,
          details: [`${loaded.disabled.stage}: ${loaded.disabled.reason}`],
        },
      ],
    };
  }
  const adapter = loaded.adapter;
  const checks: CheckResult[] = [{ name: 'loads (manifest, config, crosswalks, entry)', ok: true, details: [] }];
  const valid = set.fixtures.filter((f) => f.valid);
  const invalid = set.fixtures.filter((f) => !f.valid);
  const steps: [string, () => Promise<CheckResult>][] = [
    ['valid', () => checkValid(adapter, set, valid)],
    ['roundtrip', () => checkRoundTrip(adapter, set, valid)],
    ['required', () => checkRequired(adapter, set, valid)],
    ['errors', () => checkErrors(adapter, set, invalid)],
    ['idempotent', () => checkIdempotent(adapter, set, set.fixtures)],
  ];
  if (!opts.skipLarge) {
    const n = opts.largeFileStudents ?? adapter.manifest.conformance?.largeFileStudents ?? 40_000;
    steps.push(['large', () => checkLarge(adapter, set, n, opts.log)]);
  }
  for (const [name, run] of steps) {
    opts.log?.(`- ${name}…`);
    try {
      checks.push(await run());
    } catch (err) {
      checks.push({
        name,
        ok: false,
        details: [`the check crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`],
      });
    }
  }
  return { adapter: adapter.manifest.id, dir: adapterDir, ok: checks.every((c) => c.ok), checks };
}

/** A readable summary of a report. */
export function renderReport(r: ConformanceReport): string {
  const lines = [`${r.ok ? 'PASS' : 'FAIL'} ${r.adapter} (${r.dir})`];
  for (const c of r.checks) {
    const figs = c.figures
      ? ` [${Object.entries(c.figures)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}]`
      : '';
    lines.push(`  ${c.ok ? '✓' : '✗'} ${c.name}${figs}`);
    for (const d of c.details.slice(0, 20)) lines.push(`      ${d}`);
    if (c.details.length > 20) lines.push(`      … ${c.details.length - 20} more`);
  }
  return lines.join('\n');
}
