import { join } from 'node:path';
import type { Job } from 'bullmq';
import { DEFAULT_ADAPTERS_DIR, loadAdapter, type LoadedAdapter } from '../../adapters/sdk/index.js';
import { finalStatus, ingestEvents, ledgerSummary } from '../../core/ingest/apply.js';
import { getReport, getSubmissionFile, readFileChunks, saveReport } from '../../core/ingest/storage.js';
import type { IngestJob } from '../../core/jobs.js';
import { getExchange, updateExchange } from '../../core/ledger.js';
import { getState } from '../../core/states.js';
import type { WorkerContext } from '../context.js';

const FINAL = new Set(['completed', 'completed_with_errors', 'rejected', 'failed']);

/**
 * The `ingest` job: reads one uploaded file back from Postgres, parses it with
 * its adapter record by record, stores every good record and writes the
 * per-record report. Running it again after it finished changes nothing; after
 * a crash half-way it re-applies the file and the records already stored come
 * back `unchanged`.
 */
export function ingestProcessor(ctx: WorkerContext) {
  // One loaded adapter per (adapter, configuration): a state may configure an adapter in states.config.adapters.
  const loaded = new Map<
    string,
    Promise<{ kind: 'ok'; adapter: LoadedAdapter } | { kind: 'disabled'; reason: string }>
  >();
  const adapterFor = (id: string, config: unknown) => {
    const key = `${id}|${JSON.stringify(config ?? {})}`;
    let p = loaded.get(key);
    if (!p) {
      p = loadAdapter(join(DEFAULT_ADAPTERS_DIR, id), config).then((r) =>
        r.kind === 'ok' ? r : { kind: 'disabled' as const, reason: `${r.disabled.stage}: ${r.disabled.reason}` },
      );
      loaded.set(key, p);
    }
    return p;
  };

  return async (job: Job<IngestJob>) => {
    const { exchangeId, traceId } = job.data;
    const ex = await getExchange(ctx.db, exchangeId);
    if (!ex) return { kind: 'missing' };
    if (FINAL.has(ex.status) && (await getReport(ctx.db, exchangeId))) return { kind: 'done-before' };
    const file = await getSubmissionFile(ctx.db, exchangeId);
    if (!file?.complete) {
      await updateExchange(ctx.db, exchangeId, {
        status: 'failed',
        error: { message: 'the uploaded file is missing or incomplete' },
      });
      return { kind: 'no-file' };
    }
    const state = await getState(ctx.db, file.stateCode);
    const stateConfig = (state?.config as { adapters?: Record<string, unknown> } | undefined)?.adapters?.[
      file.adapterId
    ];
    const a = await adapterFor(file.adapterId, stateConfig);
    if (a.kind === 'disabled') {
      await updateExchange(ctx.db, exchangeId, {
        status: 'failed',
        error: { message: `adapter ${file.adapterId} is disabled: ${a.reason}` },
      });
      return { kind: 'adapter-disabled' };
    }
    await updateExchange(ctx.db, exchangeId, { status: 'processing' });
    const events = a.adapter.parse(readFileChunks(ctx.db, exchangeId), {
      stateCode: file.stateCode,
      ...(file.fileName ? { fileName: file.fileName } : {}),
    });
    const { report, enqueueFailed } = await ingestEvents(
      ctx.db,
      ctx.queue,
      {
        exchangeId,
        stateCode: file.stateCode,
        traceId,
        adapterId: file.adapterId,
        ...(file.fileName ? { fileName: file.fileName } : {}),
      },
      events,
    );
    await saveReport(ctx.db, exchangeId, report);
    await updateExchange(ctx.db, exchangeId, { status: finalStatus(report), summary: ledgerSummary(report) });
    ctx.logger.info({ traceId, exchangeId, counts: report.counts, enqueueFailed }, 'file ingested');
    return { kind: 'ingested', counts: report.counts };
  };
}
