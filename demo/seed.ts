import { readFile } from 'node:fs/promises';
import { fromBytes } from '@msix/adapter-sdk';
import type { AdapterRegistry } from '../adapters/registry.js';
import { acceptUpload } from '../core/ingest/upload.js';
import { chooseStateAdapter } from '../core/states.js';
import type { Db } from '../core/store/db.js';
import type { JobQueue } from '../core/jobs.js';
import { submitRecords } from '../core/submissions.js';
import { DEMO_RECORDS } from './students.js';

/**
 * Loads the demo records through the same write path a state uses, in the list's order: each run of one state's
 * records is one submission, so a record that arrives later in the story (a near match waiting for its state's data
 * administrator) is matched after the records it resembles. Idempotent: a second start changes nothing.
 */
export async function seedDemo(db: Db, queue: JobQueue): Promise<{ accepted: number; unchanged: number }> {
  let accepted = 0;
  let unchanged = 0;
  const runs: { stateCode: string; records: unknown[] }[] = [];
  for (const r of DEMO_RECORDS) {
    const last = runs.at(-1);
    if (last?.stateCode === r.stateCode) last.records.push(structuredClone(r));
    else runs.push({ stateCode: r.stateCode, records: [structuredClone(r)] });
  }
  for (const [i, { stateCode, records }] of runs.entries()) {
    const res = await submitRecords(
      db,
      queue,
      { stateCode, traceId: `demo-${stateCode}-${i + 1}`, kind: 'demo-seed' },
      records,
      true,
    );
    if (res.kind !== 'accepted')
      throw new Error(`demo data for ${stateCode} is invalid: ${JSON.stringify(res.issues)}`);
    for (const o of res.outcomes) o.status === 'unchanged' ? unchanged++ : accepted++;
  }
  return { accepted, unchanged };
}

/**
 * The out-of-tree adapter in the demo: Washington's administrator has chosen the NGS-style export adapter
 * (packages/adapter-ngs, installed through ADAPTERS), and Washington's family export is submitted as a file, the
 * way its system sends it. Skipped when that adapter is not installed.
 */
export async function seedNgsExport(db: Db, queue: JobQueue, adapters: AdapterRegistry): Promise<string | null> {
  const ngs = adapters.get('ngs-export');
  if (!ngs) return null;
  await chooseStateAdapter(db, 'WA', 'ngs-export', { dateFormat: 'MM/DD/YYYY' });
  const file = await readFile(new URL('./wa-ngs-export.ngs', import.meta.url));
  const out = await acceptUpload(db, queue, {
    stateCode: 'WA',
    adapter: { id: ngs.manifest.id, version: ngs.manifest.version },
    fileName: 'wa-ngs-export.ngs',
    mediaType: 'text/plain',
    traceId: 'demo-WA-ngs',
    clientId: null,
    body: fromBytes(file),
    limitBytes: file.length + 1,
  });
  return out.kind === 'accepted' ? out.exchangeId : null;
}
