/**
 * The certification report a vendor sends to a state: the conformance kit's checks, how much of the canonical
 * model the adapter maps (field by field, measured by writing records and reading them back, not by what the
 * vendor declares), throughput and memory on a 40,000-student file, and what the vendor's own sample files give.
 * It holds counts, paths and rule names only, never a value from a sample file, so it can be sent to anyone.
 */
import { basename } from 'node:path';
import { StateRecordSchema, type StateRecord } from '../canonical/index.js';
import { collect, fromBytes, inputFromPath } from '../bytes.js';
import { loadAdapter } from '../loader.js';
import type { LoadedAdapter, ParseContext } from '../types.js';
import { SDK_VERSION } from '../version.js';
import { readFixtures } from './fixtures.js';
import { generateRecords } from './generate.js';
import { runConformance, type CheckResult, type ConformanceOptions } from './suite.js';

/** How one canonical field fares through the adapter. */
export interface FieldCoverage {
  /** JSON pointer with `*` for any array index: `/enrollments/*\/gradeLevel`. */
  path: string;
  /** The canonical model requires it (within its parent object). */
  required: boolean;
  /** `mapped`: written and read back unchanged; `read`: read from files but not written back; `not carried`. */
  status: 'mapped' | 'read' | 'not carried';
  /** Accepted records (valid fixtures and sample files) that hold the field. */
  seenInFiles: number;
}

/** What one of the vendor's sample files gave: counts and where problems are, never values. */
export interface SampleResult {
  file: string;
  students: number;
  ok: number;
  invalid: number;
  unsupported: number;
  fileIssues: { code: string; severity: string; count: number }[];
  /** The most frequent record issues, by canonical path and rule. */
  issues: { path: string; rule: string; count: number }[];
}

export interface CertificationReport {
  kind: 'msix-adapter-certification';
  formatVersion: 1;
  generatedAt: string;
  /** Every check passed and every sample file read without a file error. */
  ok: boolean;
  adapter: { id: string; version: string; description: string; states: string[]; formats: string[]; sdk: number };
  sdkVersion: string;
  checks: CheckResult[];
  coverage: { mapped: number; read: number; total: number; fields: FieldCoverage[] };
  /** The large-file check's figures (students, studentsPerSecond, heapGrowthMiB…), when it ran. */
  performance?: Record<string, number | string>;
  samples: SampleResult[];
}

export interface CertifyOptions extends ConformanceOptions {
  /** The vendor's own sample files (or folders, for multi-part formats). */
  samples?: string[];
  /** ISO date-time written in the report (fixed in tests). */
  now?: string;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
}

/** Every leaf of the canonical record, with `*` for array indexes, read from the schema itself. */
export function canonicalFields(): { path: string; required: boolean }[] {
  const out: { path: string; required: boolean }[] = [];
  const walk = (node: SchemaNode, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = `${prefix}/${key}`;
      const required = (node.required ?? []).includes(key);
      if (child.type === 'object' && child.properties) walk(child, path);
      else if (child.type === 'array' && child.items?.properties) walk(child.items, `${path}/*`);
      else out.push({ path, required });
    }
  };
  walk(StateRecordSchema as unknown as SchemaNode, '');
  return out;
}

/** The values at a `*` path in one record, with their concrete paths. */
function valuesAt(rec: unknown, path: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, keys: string[], at: string) => {
    if (v === undefined || v === null) return;
    if (!keys.length) {
      out.set(at, v);
      return;
    }
    const [k, ...rest] = keys as [string, ...string[]];
    if (k === '*') {
      if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, rest, `${at}/${i}`);
    } else if (typeof v === 'object') walk((v as Record<string, unknown>)[k], rest, `${at}/${k}`);
  };
  walk(rec, path.split('/').slice(1), '');
  return out;
}

async function okRecords(adapter: LoadedAdapter, input: Parameters<LoadedAdapter['parse']>[0], ctx: ParseContext) {
  const recs: StateRecord[] = [];
  for await (const ev of adapter.parse(input, ctx)) if (ev.kind === 'ok') recs.push(ev.record);
  return recs;
}

async function readSample(adapter: LoadedAdapter, path: string, ctx: ParseContext) {
  const result: SampleResult = {
    file: basename(path),
    students: 0,
    ok: 0,
    invalid: 0,
    unsupported: 0,
    fileIssues: [],
    issues: [],
  };
  const records: StateRecord[] = [];
  const fileIssues = new Map<string, { code: string; severity: string; count: number }>();
  const issues = new Map<string, { path: string; rule: string; count: number }>();
  for await (const ev of adapter.parse(await inputFromPath(path), ctx)) {
    if (ev.kind === 'ok') records.push(ev.record);
    if (ev.kind === 'ok' || ev.kind === 'invalid' || ev.kind === 'unsupported') {
      result.students++;
      result[ev.kind]++;
    }
    if (ev.kind === 'invalid')
      for (const i of ev.issues) {
        const path = i.path.replace(/\/\d+(?=\/|$)/g, '/*');
        const key = `${path} ${i.rule}`;
        const n = issues.get(key) ?? { path, rule: i.rule, count: 0 };
        n.count++;
        issues.set(key, n);
      }
    if (ev.kind === 'file') {
      const key = `${ev.issue.code} ${ev.issue.severity}`;
      const n = fileIssues.get(key) ?? { code: ev.issue.code, severity: ev.issue.severity, count: 0 };
      n.count++;
      fileIssues.set(key, n);
    }
  }
  result.fileIssues = [...fileIssues.values()];
  result.issues = [...issues.values()].sort((a, b) => b.count - a.count).slice(0, 20);
  return { result, records };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Runs the kit and the coverage and sample measurements on one adapter folder. Never throws for adapter faults. */
export async function certify(dir: string, opts: CertifyOptions = {}): Promise<CertificationReport> {
  const conformance = await runConformance(dir, opts);
  const set = readFixtures(dir);
  const loaded = await loadAdapter(dir, opts.config ?? set.config, opts.load);
  const generatedAt = opts.now ?? new Date().toISOString();
  const fields = canonicalFields();
  if (loaded.kind === 'disabled')
    return {
      kind: 'msix-adapter-certification',
      formatVersion: 1,
      generatedAt,
      ok: false,
      adapter: { id: loaded.disabled.id, version: '', description: '', states: [], formats: [], sdk: 0 },
      sdkVersion: SDK_VERSION,
      checks: conformance.checks,
      coverage: {
        mapped: 0,
        read: 0,
        total: fields.length,
        fields: fields.map((f) => ({ ...f, status: 'not carried', seenInFiles: 0 })),
      },
      samples: [],
    };
  const adapter = loaded.adapter;
  const ctx = set.context;
  const stateCode = ctx.stateCode ? { stateCode: ctx.stateCode } : {};

  // Records read from files: the valid fixtures and the vendor's samples.
  const fromFiles: StateRecord[] = [];
  for (const f of set.fixtures.filter((x) => x.valid))
    fromFiles.push(...(await okRecords(adapter, await inputFromPath(f.path), { ...ctx, ...f.expect.context })));
  const samples: SampleResult[] = [];
  for (const path of opts.samples ?? []) {
    const { result, records } = await readSample(adapter, path, ctx);
    samples.push(result);
    fromFiles.push(...records);
  }

  // Written and read back: generated records (every field the generator fills) and the records read from files.
  const written = [...generateRecords(200, stateCode), ...fromFiles];
  const back = await okRecords(
    adapter,
    fromBytes(await collect(adapter.format(written, { ...stateCode, now: generatedAt })), 64 * 1024),
    ctx,
  );
  const coverage = fields.map(({ path, required }): FieldCoverage => {
    let roundTrip = false;
    for (let i = 0; i < Math.min(written.length, back.length) && !roundTrip; i++) {
      const before = valuesAt(written[i], path);
      const after = valuesAt(back[i], path);
      for (const [at, v] of before) if (same(v, after.get(at))) roundTrip = true;
    }
    const seenInFiles = fromFiles.filter((r) => valuesAt(r, path).size > 0).length;
    return { path, required, status: roundTrip ? 'mapped' : seenInFiles ? 'read' : 'not carried', seenInFiles };
  });
  const large = conformance.checks.find((c) => c.name.startsWith('streams a'));
  const m = adapter.manifest;
  return {
    kind: 'msix-adapter-certification',
    formatVersion: 1,
    generatedAt,
    ok: conformance.ok && samples.every((s) => !s.fileIssues.some((i) => i.severity === 'error')),
    adapter: {
      id: m.id,
      version: m.version,
      description: m.description,
      states: m.states,
      formats: m.formats.map((f) => `${f.name} (${f.extensions.map((e) => `.${e}`).join(', ')})`),
      sdk: m.sdk,
    },
    sdkVersion: SDK_VERSION,
    checks: conformance.checks,
    coverage: {
      mapped: coverage.filter((c) => c.status === 'mapped').length,
      read: coverage.filter((c) => c.status === 'read').length,
      total: coverage.length,
      fields: coverage,
    },
    ...(large?.figures ? { performance: large.figures } : {}),
    samples,
  };
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The report as one self-contained HTML page (no scripts, no external assets) a state's reviewer can read. */
export function renderCertificationHtml(r: CertificationReport): string {
  const row = (cells: unknown[]) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  const checks = r.checks
    .map(
      (c) =>
        `<tr class="${c.ok ? 'pass' : 'fail'}"><td>${c.ok ? 'PASS' : 'FAIL'}</td><td>${esc(c.name)}</td>` +
        `<td>${c.details.slice(0, 20).map(esc).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const perf = r.performance
    ? `<table><tbody>${Object.entries(r.performance)
        .map(([k, v]) => row([k, v]))
        .join('')}</tbody></table>`
    : '<p>The large-file check did not run.</p>';
  const fields = r.coverage.fields
    .map((f) => row([f.path, f.required ? 'required' : '', f.status, f.seenInFiles]))
    .join('\n');
  const samples = r.samples.length
    ? r.samples
        .map(
          (s) =>
            `<h3>${esc(s.file)}</h3><p>${s.students} students: ${s.ok} accepted, ${s.invalid} rejected, ` +
            `${s.unsupported} unsupported.</p>` +
            (s.fileIssues.length
              ? `<p>File issues: ${s.fileIssues.map((i) => esc(`${i.code} (${i.severity}) ×${i.count}`)).join(', ')}` +
                '</p>'
              : '') +
            (s.issues.length
              ? `<table><thead><tr><th>field</th><th>rule</th><th>records</th></tr></thead><tbody>${s.issues
                  .map((i) => row([i.path, i.rule, i.count]))
                  .join('')}</tbody></table>`
              : ''),
        )
        .join('\n')
    : '<p>No sample files were given (<code>--file</code>).</p>';
  const a = r.adapter;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certification: ${esc(a.id)} ${esc(a.version)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}.pass td:first-child{color:#00612e;font-weight:bold}
.fail td:first-child{color:#b50909;font-weight:bold}.verdict{font-size:1.3rem;font-weight:bold}</style></head>
<body>
<h1>MSIX adapter certification: ${esc(a.id)} ${esc(a.version)}</h1>
<p class="verdict">${r.ok ? 'PASSED' : 'NOT PASSED'}</p>
<p>${esc(a.description)}<br>States: ${esc(a.states.join(', '))}. Formats: ${esc(a.formats.join('; '))}.<br>
Built for adapter SDK ${esc(a.sdk)}.x; checked with @msix/adapter-sdk ${esc(r.sdkVersion)} on ${esc(r.generatedAt)}.</p>
<h2>Conformance checks</h2>
<table><thead><tr><th>result</th><th>check</th><th>details</th></tr></thead><tbody>
${checks}
</tbody></table>
<h2>Throughput and memory</h2>
${perf}
<h2>Mapping coverage against the canonical model</h2>
<p>${r.coverage.mapped} of ${r.coverage.total} canonical fields are mapped both ways (written and read back
unchanged); ${r.coverage.read} more are read but not written back.</p>
<table><thead><tr><th>canonical field</th><th></th><th>status</th><th>accepted records holding it</th></tr></thead>
<tbody>
${fields}
</tbody></table>
<h2>Sample files</h2>
${samples}
</body></html>
`;
}
