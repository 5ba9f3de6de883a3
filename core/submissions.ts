import type { Db } from './store/db.js';
import { type FieldIssue, type StateRecord, validateStateRecord } from '@msix/adapter-sdk/canonical';
import { applyStateRecord, type ApplyOutcome } from './records.js';
import { createExchange, type Exchange } from './ledger.js';
import type { JobQueue } from './jobs.js';
import { enqueueIntents, matchIntent, recordIntents, type JobIntent } from './job-intents.js';

export interface SubmissionContext {
  stateCode: string;
  traceId: string;
  clientId?: string | null;
  /** Ledger kind: which surface the records came through. */
  kind: string;
}

export type SubmissionResult =
  | { kind: 'accepted'; exchange: Exchange; outcomes: ApplyOutcome[]; enqueueFailed: number }
  | { kind: 'invalid'; issues: FieldIssue[]; exchange: Exchange }
  | { kind: 'wrong-state'; issues: FieldIssue[] };

/** Issues as the ledger keeps them: where and which rule, never the value (it may be a child's name). */
const withoutValues = (issues: FieldIssue[]) => issues.map(({ value: _v, ...rest }) => rest);

/**
 * The synchronous write path shared by every API surface: validate all records,
 * then store all of them in one transaction or none, write the ledger row, and
 * enqueue matching. The match jobs' intents commit with the records, so a job
 * that cannot be enqueued now (Redis down) is enqueued by the recovery pass
 * later: the write is answered at its normal speed and accepted data is never
 * lost.
 */
export async function submitRecords(
  db: Db,
  queue: JobQueue,
  ctx: SubmissionContext,
  input: unknown[],
  asArray: boolean,
): Promise<SubmissionResult> {
  const issues: FieldIssue[] = [];
  const wrongState: FieldIssue[] = [];
  const valid: { record: StateRecord; codesetVersion: string }[] = [];
  const seen = new Map<string, number>();
  input.forEach((raw, i) => {
    const prefix = asArray ? `/${i}` : '';
    if (
      raw &&
      typeof raw === 'object' &&
      !Array.isArray(raw) &&
      (raw as { stateCode?: unknown }).stateCode === undefined
    ) {
      (raw as { stateCode?: string }).stateCode = ctx.stateCode;
    }
    const res = validateStateRecord(raw);
    if (res.kind === 'invalid') {
      issues.push(...res.issues.map((x) => ({ ...x, path: prefix + x.path })));
      return;
    }
    if (res.record.stateCode !== ctx.stateCode) {
      wrongState.push({
        path: `${prefix}/stateCode`,
        value: res.record.stateCode,
        rule: 'stateScope',
        message: `a record of ${res.record.stateCode} cannot be written through ${ctx.stateCode}'s endpoint`,
        fix: `Send it to /api/v1/states/${res.record.stateCode}/records with that state's credentials.`,
        severity: 'error',
      });
      return;
    }
    const first = seen.get(res.record.stateStudentId);
    if (first !== undefined) {
      issues.push({
        path: `${prefix}/stateStudentId`,
        value: res.record.stateStudentId,
        rule: 'uniqueInRequest',
        message: `the same student is also record ${first} of this request`,
        fix: 'Send each student once per request.',
        severity: 'error',
      });
      return;
    }
    seen.set(res.record.stateStudentId, i);
    valid.push({ record: res.record, codesetVersion: res.codesetVersion });
  });
  if (wrongState.length) return { kind: 'wrong-state', issues: wrongState };
  if (issues.length) {
    const exchange = await createExchange(db, {
      direction: 'inbound',
      kind: ctx.kind,
      stateCode: ctx.stateCode,
      status: 'rejected',
      traceId: ctx.traceId,
      clientId: ctx.clientId ?? null,
      counts: { received: input.length, accepted: 0, rejected: input.length },
      summary: { issues: withoutValues(issues).slice(0, 200) },
    });
    return { kind: 'invalid', issues, exchange };
  }
  const { exchange, outcomes, intents } = await db.transaction(async (tx) => {
    const ex = await createExchange(tx, {
      direction: 'inbound',
      kind: ctx.kind,
      stateCode: ctx.stateCode,
      status: 'completed',
      traceId: ctx.traceId,
      clientId: ctx.clientId ?? null,
    });
    const outs: ApplyOutcome[] = [];
    for (const v of valid) outs.push(await applyStateRecord(tx, v.record, v.codesetVersion, ex.id));
    const counts: Record<string, number> = { received: input.length, accepted: outs.length, rejected: 0 };
    for (const o of outs) counts[o.status] = (counts[o.status] ?? 0) + 1;
    await tx.query('UPDATE exchanges SET counts = $2, summary = $3 WHERE id = $1', [
      ex.id,
      JSON.stringify(counts),
      JSON.stringify({ records: outs.map((o) => ({ recordId: o.recordId, status: o.status })) }),
    ]);
    const jobs: JobIntent[] = outs
      .filter((o) => o.needsMatch && o.recordId)
      .map((o) => matchIntent(o.recordId!, o.version, ctx.traceId));
    await recordIntents(tx, jobs);
    return { exchange: { ...ex, counts }, outcomes: outs, intents: jobs };
  });
  const enqueueFailed = await enqueueIntents(queue, intents);
  return { kind: 'accepted', exchange, outcomes, enqueueFailed };
}
