/**
 * The upload use case: a batch file streams into Postgres (never whole in
 * memory) under a new `file` exchange, and its ingest job's intent commits
 * with the file's completion. The job is enqueued at once when Redis answers;
 * when it does not, the answer is the same (202 with the exchange id) and the
 * recovery pass enqueues it later. The gateway's route maps the result to HTTP.
 */
import { enqueueIntents, ingestIntent, recordIntents } from '../job-intents.js';
import type { JobQueue } from '../jobs.js';
import { createExchange, updateExchange } from '../ledger.js';
import type { Db } from '../store/db.js';
import { createSubmissionFile, findEarlierUpload, storeFileChunks } from './storage.js';

export interface UploadInput {
  stateCode: string;
  adapter: { id: string; version: string };
  fileName: string | null;
  mediaType: string | null;
  traceId: string;
  clientId: string | null;
  body: AsyncIterable<Buffer | Uint8Array>;
  limitBytes: number;
}

export type UploadResult =
  | {
      kind: 'accepted';
      exchangeId: string;
      sizeBytes: number;
      sha256: string;
      resendOf: string | null;
      /** False when the job waits for the recovery pass (Redis did not answer). */
      enqueued: boolean;
    }
  | { kind: 'too-large'; exchangeId: string; limitBytes: number }
  | { kind: 'empty'; exchangeId: string };

/** Stores an uploaded file and queues its ingest (see the module comment). */
export async function acceptUpload(db: Db, queue: JobQueue, u: UploadInput): Promise<UploadResult> {
  const fileSummary = {
    name: u.fileName,
    adapter: u.adapter.id,
    adapterVersion: u.adapter.version,
    mediaType: u.mediaType,
  };
  const ex = await createExchange(db, {
    direction: 'inbound',
    kind: 'file',
    stateCode: u.stateCode,
    status: 'received',
    traceId: u.traceId,
    clientId: u.clientId,
    summary: { file: fileSummary },
  });
  await createSubmissionFile(db, {
    exchangeId: ex.id,
    stateCode: u.stateCode,
    adapterId: u.adapter.id,
    fileName: u.fileName,
    mediaType: u.mediaType,
  });
  const intent = ingestIntent(ex.id, u.traceId);
  let resendOf: string | null = null;
  let stored: Awaited<ReturnType<typeof storeFileChunks>>;
  try {
    stored = await storeFileChunks(db, ex.id, u.body, u.limitBytes, async (tx, file) => {
      resendOf = await findEarlierUpload(tx, u.stateCode, file.sha256, ex.id);
      await updateExchange(tx, ex.id, {
        summary: { file: { ...fileSummary, ...file }, ...(resendOf ? { resendOf } : {}) },
      });
      await recordIntents(tx, [intent]);
    });
  } catch (err) {
    await updateExchange(db, ex.id, {
      status: 'failed',
      error: { message: 'the upload was interrupted before the file was complete' },
    }).catch(() => {});
    throw err;
  }
  if (stored.kind === 'tooLarge') {
    await updateExchange(db, ex.id, {
      status: 'rejected',
      error: { message: `file larger than ${u.limitBytes} bytes` },
    });
    return { kind: 'too-large', exchangeId: ex.id, limitBytes: u.limitBytes };
  }
  if (stored.kind === 'empty') {
    await updateExchange(db, ex.id, { status: 'rejected', error: { message: 'empty file' } });
    return { kind: 'empty', exchangeId: ex.id };
  }
  const enqueued = (await enqueueIntents(queue, [intent])) === 0;
  return {
    kind: 'accepted',
    exchangeId: ex.id,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    resendOf,
    enqueued,
  };
}
