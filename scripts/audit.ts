/**
 * The audit trail for operators and auditors:
 *   npm run audit-trail -- verify                 walk the hash chain in the database
 *   npm run audit-trail -- verify --file x.jsonl  check an exported file on its own
 *   npm run audit-trail -- export [--from 2026-01-01] [--to 2026-07-01] [--format jsonl|csv] [--out file]
 * npm run audit-trail -- verify --anchor SEQ:HASH [--anchors FILE]
 *                                               also check published heads (GET /api/v1/audit/head answers or the
 *                                               gateway's `audit chain head` log lines, one per line in FILE)
 * npm run audit-trail -- head                   print the head to keep as an anchor (JSON)
 * npm run audit-trail -- purge [--days N]       delete events older than N days (AUDIT_RETENTION_DAYS, 30 at least)
 *                                               through the database's audit_purge(), which writes a checkpoint
 * Exit code 0 when intact, 2 when the chain is broken, 1 on usage errors.
 */
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig } from '../runtime/config.js';
import { openDatabase } from '../runtime/database.js';
import { GENESIS_HASH } from '../core/audit.js';
import { parseCommandLine } from '../lib/cli.js';
import { DataDirBusyError } from '../core/store/dir-lock.js';
import {
  auditHead,
  exportAudit,
  parseAnchor,
  parseExportLine,
  purgeAudit,
  verifyAuditChain,
  verifyRows,
  type Anchor,
  type AuditRow,
  type ChainReport,
} from '../core/security/audit-chain.js';

const AUDIT_USAGE =
  'usage: audit verify [--file export.jsonl] [--start-hash H] [--anchor SEQ:HASH]... [--anchors FILE] | head | ' +
  'export [--from DATE] [--to DATE] [--format jsonl|csv] [--out FILE] | purge [--days N]';
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
    anchor: { type: 'string', multiple: true },
    anchors: { type: 'string' },
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
        {
          hash: 'content does not match its hash (row changed)',
          'prev-hash': 'does not follow the previous row (row removed or inserted)',
          order: 'out of order',
          checkpoint: 'a checkpoint and the audit.purged events on the chain disagree (purge not recorded, or forged)',
          anchor: 'the published anchor has another hash here (rewritten since it was published)',
          truncated: 'the published anchor is past the end of the chain (the newest events were removed)',
        }[b.problem]
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

if (!cmd || !['verify', 'export', 'purge', 'head'].includes(cmd)) fail(AUDIT_USAGE);

/** The anchors named on the command line and in the --anchors file. */
function anchorsGiven(): Anchor[] {
  const out: Anchor[] = [];
  for (const a of values.anchor ?? []) {
    const p = parseAnchor(a);
    if (!p) fail(`--anchor is SEQ:HASH (a sequence number and a 64-digit hex hash), not ${JSON.stringify(a)}`);
    else out.push(p);
  }
  const file = opt('anchors');
  if (file) {
    let n = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      n++;
      if (!line.trim()) continue;
      const p = parseAnchor(line);
      if (!p) fail(`${file}:${n}: not an audit head (SEQ:HASH, a head answer or an 'audit chain head' log line)`);
      else out.push(p);
    }
  }
  return out;
}

const file = opt('file');
if (cmd === 'verify' && file) {
  // An export that starts mid-chain (a date range) is checked from its own first row's prev_hash.
  const rows: AuditRow[] = [];
  for await (const r of fileRows(file)) rows.push(r);
  const start = opt('start-hash') ?? rows[0]?.prev_hash ?? GENESIS_HASH;
  process.exit(report(await verifyRows(rows, start, start === GENESIS_HASH ? 'genesis' : 'checkpoint')));
}

const config = loadConfig();
const anchors = cmd === 'verify' ? anchorsGiven() : [];
let opened: Awaited<ReturnType<typeof openDatabase>>;
try {
  opened = await openDatabase(config, undefined, `npm run audit-trail -- ${cmd}`);
} catch (e) {
  // A gateway holds the embedded database: say who, and what to do, not a stack trace.
  if (e instanceof DataDirBusyError) fail(e.message);
  throw e;
}
const { db } = opened;
let code = 0;
try {
  if (cmd === 'verify') {
    code = report(await verifyAuditChain(db, anchors));
    if (anchors.length && code === 0) say(`checked against ${anchors.length} published anchor(s)`);
  }
  if (cmd === 'head') say(JSON.stringify(await auditHead(db)));
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
    if (days > 0 && days < 30) fail('--days is 30 at least: the database keeps the last 30 days of audit events');
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
