/**
 * The ingest use case: the status machine of one uploaded file, from
 * `received` through `processing` to a final status with its report. The
 * worker's `ingest` job calls it with a way to open the file's adapter (core
 * does not import adapters). It may run any number of times for one file:
 * after a final status it does nothing; after its worker died it resumes
 * from the last committed batch (core/ingest/apply.ts keeps the checkpoint).
 */
import { completeIntent } from '../job-intents.js';
import { ingestJobId, type IngestJob, type JobQueue } from '../jobs.js';
import { getExchange, updateExchange } from '../ledger.js';
import { getState } from '../states.js';
import type { Db } from '../store/db.js';
import { finalStatus, ingestEvents, ledgerSummary } from './apply.js';
import type { ReportCounts, ReportInput } from './report.js';
import { getReport, getSubmissionFile, readFileChunks, saveReport } from './storage.js';

/** Reads a file into report events: an adapter's parse, bound to its configuration. */
export type FileParser = (
  chunks: AsyncIterable<Buffer>,
  meta: { stateCode: string; fileName?: string },
) => AsyncIterable<ReportInput>;

/** Opens the adapter a file names, with the state's configuration of it. */
export type OpenParser = (
  adapterId: string,
  stateConfig: unknown,
) => Promise<{ kind: 'ok'; parse: FileParser } | { kind: 'disabled'; reason: string }>;

export interface IngestDeps {
  db: Db;
  queue: JobQueue;
  openParser: OpenParser;
  /** Records stored per transaction and checkpoint (default 500). */
  batchSize?: number;
}

export type IngestRunResult =
  | { kind: 'missing' }
  | { kind: 'done-before' }
  | { kind: 'no-file' }
  | { kind: 'adapter-disabled' }
  | { kind: 'ingested'; counts: ReportCounts; enqueueFailed: number; resumed: number };

const FINAL = new Set(['completed', 'completed_with_errors', 'rejected', 'failed']);

/** Ends the file's ingest: final status (and report), checkpoint and job intent gone, in one transaction. */
async function finish(
  db: Db,
  exchangeId: string,
  update: Parameters<typeof updateExchange>[2],
  report?: unknown,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (report) await saveReport(tx, exchangeId, report);
    await updateExchange(tx, exchangeId, update);
    await tx.query('DELETE FROM ingest_checkpoints WHERE exchange_id = $1', [exchangeId]);
    await completeIntent(tx, ingestJobId(exchangeId));
  });
}

/** Ingests one stored file (see the module comment). */
export async function runIngest(deps: IngestDeps, job: IngestJob): Promise<IngestRunResult> {
  const { db } = deps;
  const { exchangeId, traceId } = job;
  const ex = await getExchange(db, exchangeId);
  if (!ex) {
    await completeIntent(db, ingestJobId(exchangeId));
    return { kind: 'missing' };
  }
  if (FINAL.has(ex.status) && (await getReport(db, exchangeId))) {
    await completeIntent(db, ingestJobId(exchangeId));
    return { kind: 'done-before' };
  }
  const file = await getSubmissionFile(db, exchangeId);
  if (!file?.complete) {
    await finish(db, exchangeId, {
      status: 'failed',
      error: { message: 'the uploaded file is missing or incomplete' },
    });
    return { kind: 'no-file' };
  }
  const state = await getState(db, file.stateCode);
  const stateConfig = (state?.config as { adapters?: Record<string, unknown> } | undefined)?.adapters?.[file.adapterId];
  const opened = await deps.openParser(file.adapterId, stateConfig);
  if (opened.kind === 'disabled') {
    await finish(db, exchangeId, {
      status: 'failed',
      error: { message: `adapter ${file.adapterId} is disabled: ${opened.reason}` },
    });
    return { kind: 'adapter-disabled' };
  }
  await updateExchange(db, exchangeId, { status: 'processing' });
  const meta = { stateCode: file.stateCode, ...(file.fileName ? { fileName: file.fileName } : {}) };
  const events = opened.parse(readFileChunks(db, exchangeId), meta);
  const { report, enqueueFailed, resumed } = await ingestEvents(
    db,
    deps.queue,
    {
      exchangeId,
      traceId,
      adapterId: file.adapterId,
      ...meta,
      ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
    },
    events,
  );
  await finish(db, exchangeId, { status: finalStatus(report), summary: ledgerSummary(report) }, report);
  return { kind: 'ingested', counts: report.counts, enqueueFailed, resumed };
}
