import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendAudit } from '../../core/audit.js';
import { MAINTENANCE_TASKS } from '../../core/jobs.js';
import { auditHead, parseAnchor } from '../../core/security/audit-chain.js';
import type { Db } from '../../core/store/db.js';
import { loadConfig } from '../../runtime/config.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { maintenancePasses } from '../../worker/processors/maintenance.js';
import { freshDb, queuePrefix } from '../support/db.js';

/**
 * The periodic audit-head log line is a maintenance task (one job scheduler per cluster), not a timer in each
 * gateway process: its line is an anchor `audit-trail verify --anchors` reads back.
 */
describe('the audit-head maintenance pass', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let queue: BullJobQueue;
  beforeAll(async () => {
    ({ db, drop } = await freshDb('pglite'));
    queue = new BullJobQueue(inject('redisUrl'), queuePrefix());
  });
  afterAll(async () => {
    await queue.close();
    await drop();
  });

  it('logs the current chain head as an anchor the verifier reads', async () => {
    await appendAudit(db, {
      actor: { id: 'tx_client', state: 'TX', roles: ['state-system'] },
      action: 'student.read',
      msixId: '100000000008',
      fields: ['identity'],
      reason: 'the child has a TX record',
      details: {},
    });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const passes = maintenancePasses({ db, queue, config: loadConfig({}), logger });
    await passes.run(MAINTENANCE_TASKS.auditHead);
    const head = await auditHead(db);
    const logged = lines.filter((l) => l.includes('audit chain head'));
    expect(logged).toHaveLength(1);
    expect(parseAnchor(logged[0]!.trim())).toEqual({ seq: head.seq, hash: head.hash });
  });
});
