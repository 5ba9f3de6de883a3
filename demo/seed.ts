import type { Db } from '../core/store/db.js';
import type { JobQueue } from '../core/jobs.js';
import { submitRecords } from '../core/submissions.js';
import { DEMO_RECORDS } from './students.js';

/** Loads the demo records through the same write path a state uses. Idempotent: a second start changes nothing. */
export async function seedDemo(db: Db, queue: JobQueue): Promise<{ accepted: number; unchanged: number }> {
  let accepted = 0;
  let unchanged = 0;
  const byState = new Map<string, unknown[]>();
  for (const r of DEMO_RECORDS) byState.set(r.stateCode, [...(byState.get(r.stateCode) ?? []), structuredClone(r)]);
  for (const [stateCode, records] of byState) {
    const res = await submitRecords(
      db,
      queue,
      { stateCode, traceId: `demo-${stateCode}`, kind: 'demo-seed' },
      records,
      true,
    );
    if (res.kind !== 'accepted')
      throw new Error(`demo data for ${stateCode} is invalid: ${JSON.stringify(res.issues)}`);
    for (const o of res.outcomes) o.status === 'unchanged' ? unchanged++ : accepted++;
  }
  return { accepted, unchanged };
}
