/**
 * The audit trail for operators and auditors:
 *   npm run audit-trail -- verify                 walk the hash chain in the database
 *   npm run audit-trail -- verify --file x.jsonl  check an exported file on its own
 *   npm run audit-trail -- export [--from 2026-01-01] [--to 2026-07-01] [--format jsonl|csv] [--out file]
 * npm run audit-trail -- purge [--days N]       delete events older than N days (AUDIT_RETENTION_DAYS), keeping a
 * checkpoint
 * Exit code 0 when intact, 2 when the chain is broken, 1 on usage errors.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig } from '../runtime/config.js';
import { openDatabase } from '../runtime/database.js';
import { GENESIS_HASH } from '../core/audit.js';
import { parseCommandLine } from '../lib/cli.js';
import {
  exportAudit,
  parseExportLine,
  purgeAudit,
  verifyAuditChain,
  verifyRows,
  type AuditRow,
  type ChainReport,
} from '../core/security/audit-chain.js';

const AUDIT_USAGE =
  'usage: audit verify [--file export.jsonl] [--start-hash H] | export [--from DATE] [--to DATE] ' +
  '[--format jsonl|csv] [--out FILE] | purge [--days N]';
// Usage errors exit 1: 2 means a broken chain.
const { values, positionals } = parseCommandLine({
  usage: AUDIT_USAGE,
  options: {
    file: { type: 'string' },
    'start-hash': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    days: { type: 'string' },
  },
  positionals: true,
  usageExitCode: 1,
});
const [cmd] = positionals;
const opt = (name: keyof typeof values): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};
const say = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string, code = 1): never => {
  process.stderr.write(`${s}\n`);
  process.exit(code);
};

function report(r: ChainReport): number {
  if (r.kind === 'intact') {
    say(
      `intact: ${r.rows} event(s)${r.rows ? `, seq ${r.firstSeq}..${r.lastSeq}` : ''}, from ` +
        `${r.startedFrom}; last hash ${r.lastHash}`,
    );
    return 0;
  }
  say(`BROKEN after checking ${r.rows} event(s), from ${r.startedFrom}:`);
  for (const b of r.breaks)
    say(
      `  seq ${b.seq}: ${
        b.problem === 'hash'
          ? 'content does not match its hash (row changed)'
          : b.problem === 'prev-hash'
            ? 'does not follow the previous row (row removed or inserted)'
            : 'out of order'
      }`,
    );
  return 2;
}

async function* fileRows(path: string): AsyncGenerator<AuditRow> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    const r = parseExportLine(line);
    if (!r) fail(`${path}:${n}: not an exported audit event`);
    else yield r;
  }
}

const isoDate = (v: string | undefined, name: string): string | undefined => {
  if (v === undefined) return undefined;
  if (Number.isNaN(Date.parse(v))) fail(`--${name} is not a date: ${v}`);
  return new Date(v).toISOString();
};

if (!cmd || !['verify', 'export', 'purge'].includes(cmd)) fail(AUDIT_USAGE);

const file = opt('file');
if (cmd === 'verify' && file) {
  // An export that starts mid-chain (a date range) is checked from its own first row's prev_hash.
  const rows: AuditRow[] = [];
  for await (const r of fileRows(file)) rows.push(r);
  const start = opt('start-hash') ?? rows[0]?.prev_hash ?? GENESIS_HASH;
  process.exit(report(await verifyRows(rows, start, start === GENESIS_HASH ? 'genesis' : 'checkpoint')));
}

const config = loadConfig();
const { db } = await openDatabase(config);
let code = 0;
try {
  if (cmd === 'verify') code = report(await verifyAuditChain(db));
  if (cmd === 'export') {
    const format = (opt('format') ?? 'jsonl') as 'jsonl' | 'csv';
    if (format !== 'jsonl' && format !== 'csv') fail('--format is jsonl or csv');
    const out = opt('out');
    const sink = out ? createWriteStream(out) : process.stdout;
    let n = 0;
    for await (const line of exportAudit(db, format, {
      from: isoDate(opt('from'), 'from'),
      to: isoDate(opt('to'), 'to'),
    })) {
      if (!sink.write(line)) await new Promise<void>((r) => sink.once('drain', () => r()));
      n++;
    }
    if (out) {
      await new Promise<void>((r) => (sink as ReturnType<typeof createWriteStream>).end(() => r()));
      say(`${format === 'csv' ? n - 1 : n} event(s) written to ${out}`);
    }
  }
  if (cmd === 'purge') {
    const days = Number(opt('days') ?? config.AUDIT_RETENTION_DAYS);
    if (!Number.isInteger(days) || days < 0) fail('--days is a whole number of days');
    const r = await purgeAudit(db, days, {
      id: `operator:${process.env.USER ?? 'unknown'}`,
      state: null,
      roles: ['admin'],
    });
    say(
      r.kind === 'purged'
        ? `purged ${r.rows} event(s) through seq ${r.throughSeq}; checkpoint hash ${r.throughHash}`
        : days === 0
          ? 'retention is 0 (keep everything): nothing purged'
          : `nothing older than ${days} day(s)`,
    );
  }
} finally {
  await db.close();
}
process.exit(code);
