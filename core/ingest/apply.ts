/**
 * Applies a parsed batch file, record by record: every record an adapter
 * reported `ok` is checked again at this boundary (canonical schema, code sets,
 * the submitting state) and stored with MSIX insert/update/delete semantics;
 * every other record goes straight to the report. One bad record never stops
 * the file. Progress is written to the ledger as it goes.
 *
 * Core does not import adapters: the caller hands in the events (the worker
 * gets them from an adapter's parse).
 */
import { type StateRecord, validateStateRecord } from '@msix/adapter-sdk/canonical';
import type { JobQueue } from '../jobs.js';
import { enqueueIntents, matchIntent, recordIntents } from '../job-intents.js';
import { updateExchange } from '../ledger.js';
import type { ApplyOutcome } from '../records.js';
import { applyStateRecords } from '../records.js';
import type { Db } from '../store/db.js';
import { ReportBuilder, type IngestReport, type ReportInput, type ReportIssue, type StoreOutcome } from './report.js';

export interface IngestContext {
  exchangeId: string;
  stateCode: string;
  traceId: string;
  adapterId: string;
  fileName?: string;
  /** Records stored per transaction (default 500). */
  batchSize?: number;
  /** Ledger progress update every this many records (default 1000). */
  progressEvery?: number;
  /** Called after each progress update (tests, the CLI). */
  onProgress?: (counts: Record<string, number>) => void;
}

type OkEvent = Extract<ReportInput, { kind: 'ok' }>;

const NOTES: Record<ApplyOutcome['status'], string> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged: identical to the record already stored (a resend changes nothing)',
  withdrawn: "withdrawn: the state's record is removed from the consolidated student",
  not_found: '',
};

function outcomeOf(o: ApplyOutcome): StoreOutcome {
  if (o.status === 'not_found') {
    return {
      applied: false,
      issues: [
        {
          path: '/stateStudentId',
          value: o.stateStudentId,
          rule: 'notFound',
          message: `there is no stored record of student ${o.stateStudentId} to delete`,
          fix: 'Check the state student id; a delete must name a record the state sent before.',
          severity: 'error',
        },
      ],
    };
  }
  return { applied: true, note: NOTES[o.status] };
}

/** One letter per record in a checkpoint: what the store did with it. */
const LETTER: Record<ApplyOutcome['status'], string> = {
  created: 'c',
  updated: 'u',
  unchanged: 'n',
  withdrawn: 'w',
  not_found: 'x',
};
const STATUS_OF = Object.fromEntries(Object.entries(LETTER).map(([k, v]) => [v, k])) as Record<
  string,
  ApplyOutcome['status']
>;

/**
 * The outcomes of the records a previous run of this file's ingest committed,
 * by their position among the file's storable records (the parse is
 * deterministic, so the same file gives the same positions).
 */
async function loadCheckpoint(db: Db, exchangeId: string): Promise<Map<number, ApplyOutcome['status']>> {
  const r = await db.query<{ first_ok: number; outcomes: string }>(
    'SELECT first_ok, outcomes FROM ingest_checkpoints WHERE exchange_id = $1',
    [exchangeId],
  );
  const done = new Map<number, ApplyOutcome['status']>();
  for (const row of r.rows)
    for (let i = 0; i < row.outcomes.length; i++) done.set(row.first_ok + i, STATUS_OF[row.outcomes[i]!]!);
  return done;
}

/**
 * Stores the records of one parsed file and returns its report. Each batch
 * commits with its checkpoint and its records' match intents, so when the
 * worker dies the next run skips the batches already committed (reporting
 * what they did then) and no match is lost.
 */
export async function ingestEvents(
  db: Db,
  queue: JobQueue,
  ctx: IngestContext,
  events: AsyncIterable<ReportInput>,
): Promise<{ report: IngestReport; enqueueFailed: number; resumed: number }> {
  const builder = new ReportBuilder({
    exchangeId: ctx.exchangeId,
    adapter: ctx.adapterId,
    stateCode: ctx.stateCode,
    ...(ctx.fileName ? { fileName: ctx.fileName } : {}),
    startedAt: new Date().toISOString(),
  });
  const batchSize = ctx.batchSize ?? 500;
  const progressEvery = ctx.progressEvery ?? 1000;
  const byStatus: Record<string, number> = {};
  const checkpoint = await loadCheckpoint(db, ctx.exchangeId);
  let enqueueFailed = 0;
  /** Position of the next storable record among the file's storable records. */
  let position = 0;
  let batchStart = 0;
  let batch: { ev: OkEvent; record: StateRecord; codesetVersion: string }[] = [];
  let sinceProgress = 0;

  const progress = async (final = false) => {
    const built = builder.build();
    const c = built.counts;
    const declared = (built.header as { totalStudents?: unknown } | undefined)?.totalStudents;
    const counts: Record<string, number> = {
      read: c.read,
      accepted: c.applied,
      rejected: c.rejected,
      unsupported: c.unsupported,
      ...byStatus,
      ...(typeof declared === 'number' ? { declared } : {}),
    };
    await updateExchange(db, ctx.exchangeId, { counts, ...(final ? {} : { status: 'processing' as const }) });
    ctx.onProgress?.(counts);
  };
  // One batch may be in Postgres while the next is parsed: the file's students are distinct
  // (the SDK rejects a student twice), so two batches never touch the same row.
  let inflight: Promise<void> | undefined;
  const settle = async () => {
    const p = inflight;
    inflight = undefined;
    await p;
  };
  const flush = async () => {
    if (!batch.length) return;
    const current = batch;
    const first = batchStart;
    batch = [];
    await settle();
    inflight = db
      .transaction(async (tx) => {
        const outcomes = await applyStateRecords(tx, current, ctx.exchangeId);
        await tx.query('INSERT INTO ingest_checkpoints (exchange_id, first_ok, outcomes) VALUES ($1, $2, $3)', [
          ctx.exchangeId,
          first,
          outcomes.map((o) => LETTER[o.status]).join(''),
        ]);
        const intents = outcomes
          .filter((o) => o.needsMatch && o.recordId)
          .map((o) => matchIntent(o.recordId!, o.version, ctx.traceId));
        await recordIntents(tx, intents);
        return { outcomes, intents };
      })
      .then(async ({ outcomes, intents }) => {
        outcomes.forEach((o, i) => {
          byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
          builder.add(current[i]!.ev, outcomeOf(o));
        });
        // Matching is asynchronous; a job that cannot be enqueued now keeps its intent for the recovery pass.
        enqueueFailed += await enqueueIntents(queue, intents);
      });
    // A failing batch fails the job (it is retried; records already stored come back unchanged).
    inflight.catch(() => {});
  };

  for await (const ev of events) {
    if (ev.kind !== 'ok') {
      builder.add(ev);
    } else {
      // The plugin boundary: what an adapter calls ok is checked again before it is stored.
      const checked = validateStateRecord(ev.record);
      if (checked.kind === 'invalid') {
        builder.add({
          kind: 'invalid',
          issues: [...checked.issues, ...ev.warnings] as ReportIssue[],
          source: ev.source,
        });
      } else if (checked.record.stateCode !== ctx.stateCode) {
        builder.add(ev, {
          applied: false,
          issues: [
            {
              path: '/stateCode',
              value: checked.record.stateCode,
              rule: 'stateScope',
              message: `a record of ${checked.record.stateCode} cannot be submitted in ${ctx.stateCode}'s file`,
              fix: 'A state submits only its own records.',
              severity: 'error',
            },
          ],
        });
      } else {
        const pos = position++;
        const before = checkpoint.get(pos);
        if (before) {
          // Committed by an earlier run of this ingest: report what that run did, store nothing.
          byStatus[before] = (byStatus[before] ?? 0) + 1;
          const stateStudentId = checked.record.stateStudentId;
          builder.add(ev, outcomeOf({ status: before, stateStudentId, recordId: null, version: 0, needsMatch: false }));
        } else {
          // A batch is a run of consecutive positions: one checkpoint row each.
          if (batch.length && batchStart + batch.length !== pos) await flush();
          if (!batch.length) batchStart = pos;
          batch.push({ ev, record: checked.record, codesetVersion: checked.codesetVersion });
          if (batch.length >= batchSize) await flush();
        }
      }
    }
    if (ev.kind === 'ok' || ev.kind === 'invalid' || ev.kind === 'unsupported') {
      if (++sinceProgress >= progressEvery) {
        await flush();
        await settle();
        await progress();
        sinceProgress = 0;
      }
    }
  }
  await flush();
  await settle();
  await progress(true);

  const report = builder.build(new Date().toISOString());
  report.records.sort((a, b) => a.recordNumber - b.recordNumber);
  return { report, enqueueFailed, resumed: checkpoint.size };
}

/** The ledger status a finished report gives its exchange. */
export function finalStatus(report: IngestReport): 'completed' | 'completed_with_errors' | 'rejected' {
  const c = report.counts;
  const trouble = c.rejected > 0 || c.unsupported > 0 || c.fileErrors > 0 || !report.complete;
  if (!trouble) return 'completed';
  return c.applied > 0 ? 'completed_with_errors' : 'rejected';
}

/** What the ledger keeps about a file: totals and file-level issues, never a value from a record. */
export function ledgerSummary(report: IngestReport): Record<string, unknown> {
  return {
    report: {
      complete: report.complete,
      counts: report.counts,
      fileIssues: report.fileIssues.map(({ code, severity, message, line, part, expected, actual }) => ({
        code,
        severity,
        message,
        line,
        part,
        expected,
        actual,
      })),
    },
  };
}
