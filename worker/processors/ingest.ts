import type { Job } from 'bullmq';
import { installedAdapters, publicDisabled } from '../../adapters/registry.js';
import { runIngest, type OpenParser } from '../../core/ingest/run.js';
import type { IngestJob } from '../../core/jobs.js';
import type { WorkerContext } from '../context.js';

/**
 * The `ingest` job: runs the ingest use case (core/ingest/run.ts) for one
 * uploaded file, with the adapters this worker has installed (its own and those ADAPTERS names). It resumes from
 * its checkpoint when an earlier run's worker died.
 */
export function ingestProcessor(ctx: WorkerContext) {
  // One loaded adapter per (adapter, configuration): a state may configure an adapter in states.config.adapters.
  const loaded = new Map<string, ReturnType<OpenParser>>();
  const openParser: OpenParser = (id, config) => {
    const key = `${id}|${JSON.stringify(config ?? {})}`;
    let p = loaded.get(key);
    if (!p) {
      p = installedAdapters(ctx.config.ADAPTERS)
        .then((registry) => registry.configure(id, config))
        .then((r) => {
          if (r.kind === 'ok') return { kind: 'ok' as const, parse: (chunks, meta) => r.adapter.parse(chunks, meta) };
          // The reason lands on the exchange, which the uploading state reads: no server paths in it.
          const off = publicDisabled(r.disabled);
          return { kind: 'disabled' as const, reason: `${off.stage}: ${off.reason}` };
        });
      loaded.set(key, p);
    }
    return p;
  };

  return async (job: Job<IngestJob>) => {
    const out = await runIngest(
      { db: ctx.db, queue: ctx.queue, openParser, batchSize: ctx.config.INGEST_BATCH_SIZE },
      job.data,
    );
    if (out.kind === 'ingested')
      ctx.logger.info(
        { traceId: job.data.traceId, exchangeId: job.data.exchangeId, ...out },
        out.resumed ? 'file ingested (resumed from its checkpoint)' : 'file ingested',
      );
    return out;
  };
}
