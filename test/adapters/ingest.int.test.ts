import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADAPTERS_DIR } from '../../adapters/registry.js';
import type { IngestReport } from '../../core/ingest/report.js';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';

const fixture = (adapter: string, name: string) => readFileSync(join(DEFAULT_ADAPTERS_DIR, adapter, 'fixtures', name));

let sys: TestSystem;
let tx: AuthedInject;
beforeAll(async () => {
  sys = await startSystem({ workers: true });
  tx = await injectAs(sys, { state: 'TX', roles: ['state-system'] });
});
afterAll(async () => {
  await sys?.close();
});

async function submit(as: AuthedInject, state: string, body: Buffer | string, query: string) {
  const r = await as({
    method: 'POST',
    url: `/api/v1/states/${state}/files?${query}`,
    payload: body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  return r;
}
async function finished(as: AuthedInject, id: string) {
  return eventually(async () => {
    const r = await as(`/api/v1/exchanges/${id}`);
    const ex = r.json() as { status: string; counts: Record<string, number> };
    return ['completed', 'completed_with_errors', 'rejected', 'failed'].includes(ex.status) ? ex : null;
  }, 30_000);
}
async function report(as: AuthedInject, id: string): Promise<IngestReport> {
  const r = await as(`/api/v1/exchanges/${id}/report`);
  expect(r.statusCode).toBe(200);
  return r.json() as IngestReport;
}

describe('batch file submission', () => {
  let first = '';
  it('streams the upload, answers 202 with an exchange id, and ingests record by record', async () => {
    const r = await submit(
      tx,
      'TX',
      fixture('msix-typed', 'valid/tx-daily.msix'),
      'adapter=msix-typed&filename=tx-daily.msix',
    );
    expect(r.statusCode, r.body).toBe(202);
    const body = r.json() as {
      exchangeId: string;
      file: { sizeBytes: number; adapter: string };
      resendOf: string | null;
      links: { report: string };
    };
    expect(body).toMatchObject({ file: { adapter: 'msix-typed' }, resendOf: null });
    expect(r.headers.location).toBe(`/api/v1/exchanges/${body.exchangeId}`);
    first = body.exchangeId;
    const ex = await finished(tx, first);
    // Student 3 is a delete of a record Texas never sent: rejected, the other three applied.
    expect(ex).toMatchObject({
      status: 'completed_with_errors',
      counts: { read: 4, accepted: 3, rejected: 1, created: 3, not_found: 1 },
    });
    const rep = await report(tx, first);
    expect(rep.records.map((x) => [x.studentKey, x.status, x.note ?? x.issues[0]?.rule])).toEqual([
      ['TX0000123', 'applied', 'created'],
      ['TX0000124', 'applied', 'created'],
      ['TX0000125', 'rejected', 'notFound'],
      ['TX0000126', 'applied', 'created'],
    ]);
    const csv = await tx(`/api/v1/exchanges/${first}/report?format=csv`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe(
      'recordNumber,studentKey,part,line,action,status,severity,path,sourceField,value,rule,message,fix',
    );
  });

  it('resending the same file creates no duplicates', async () => {
    const r = await submit(tx, 'TX', fixture('msix-typed', 'valid/tx-daily.msix'), 'adapter=msix-typed');
    expect(r.json()).toMatchObject({ resendOf: first });
    const ex = await finished(tx, (r.json() as { exchangeId: string }).exchangeId);
    expect(ex.counts).toMatchObject({ accepted: 3, unchanged: 3 });
    const rows = await sys.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM state_records WHERE state_code = 'TX' AND state_student_id LIKE 'TX00001%'",
    );
    expect(Number(rows.rows[0]!.n)).toBe(3);
  });

  it('honours delete: the state record is withdrawn', async () => {
    const file =
      'HDR|TX|20240116093000000|00000001|000000002|20240101|20240116\nSTU|0000001|TX|TX0000124|01|D|\n' +
      'DEM|0000001|001|Juan|Carlos|Hernández|Ruiz||M|20070922|N||||GT\n';
    const r = await submit(tx, 'TX', file, 'adapter=msix-typed');
    const ex = await finished(tx, (r.json() as { exchangeId: string }).exchangeId);
    expect(ex).toMatchObject({ status: 'completed', counts: { withdrawn: 1 } });
    const row = await sys.db.query<{ status: string }>(
      "SELECT status FROM state_records WHERE state_code = 'TX' AND state_student_id = 'TX0000124'",
    );
    expect(row.rows[0]!.status).toBe('withdrawn');
  });

  it('one bad record never rejects the file; the report says exactly which records were applied', async () => {
    const r = await submit(tx, 'TX', fixture('msix-typed', 'invalid/truncated.msix'), 'adapter=msix-typed');
    const id = (r.json() as { exchangeId: string }).exchangeId;
    const ex = await finished(tx, id);
    expect(ex).toMatchObject({ status: 'completed_with_errors', counts: { read: 2, accepted: 1, rejected: 1 } });
    const rep = await report(tx, id);
    expect(rep.fileIssues.map((f) => f.code)).toEqual(['truncated']);
    expect(rep.records[1]).toMatchObject({
      studentKey: 'TX2',
      status: 'rejected',
      issues: [{ rule: 'truncated', line: 9 }],
    });
  });

  it('a NUL in a field rejects that record and still gives the file its report (fuzz find, issue 18)', async () => {
    // The report quoted the value with its NUL, which Postgres refuses in jsonb: the ingest failed at the report.
    const file = fixture('msix-typed', 'valid/tx-daily.msix')
      .toString('utf8')
      .replace('|María|', '|Ma\u0000ría|')
      .replace(/TX000012(\d)/g, 'TX000099$1');
    const r = await submit(tx, 'TX', file, 'adapter=msix-typed');
    expect(r.statusCode, r.body).toBe(202);
    const id = (r.json() as { exchangeId: string }).exchangeId;
    expect(await finished(tx, id)).toMatchObject({ status: 'completed_with_errors', counts: { rejected: 2 } });
    const rep = await report(tx, id);
    expect(rep.records[0]).toMatchObject({
      status: 'rejected',
      issues: [{ path: '/identity/firstName', value: 'Ma\uFFFDría', rule: 'text' }],
    });
  });

  it('infers the adapter from the file name, and reads CSV and Ed-Fi tar bundles', async () => {
    const nc = await injectAs(sys, { state: 'NC', roles: ['state-system'] });
    const r1 = await submit(nc, 'NC', fixture('mis2000-csv', 'valid/nc-nightly.csv'), 'filename=nc-nightly.csv');
    expect(r1.statusCode, r1.body).toBe(202);
    const ex1 = await finished(nc, (r1.json() as { exchangeId: string }).exchangeId);
    expect(ex1.counts).toMatchObject({ read: 4 });
    const r2 = await submit(tx, 'TX', fixture('edfi-xml', 'valid/grand-bend-migrant.tar'), 'filename=grand-bend.tar');
    const ex2 = await finished(tx, (r2.json() as { exchangeId: string }).exchangeId);
    expect(ex2).toMatchObject({ status: 'completed', counts: { read: 3, accepted: 3 } });
  });

  it('refuses a file from another state, an unknown adapter, and shows the report only to the state', async () => {
    const nm = await injectAs(sys, { state: 'NM', roles: ['state-system'] });
    const r = await submit(nm, 'NM', fixture('msix-typed', 'valid/tx-daily.msix'), 'adapter=msix-typed');
    const ex = await finished(nm, (r.json() as { exchangeId: string }).exchangeId);
    expect(ex.status).toBe('rejected');
    expect((await submit(tx, 'TX', 'x', 'adapter=nope')).statusCode).toBe(400);
    expect((await submit(tx, 'TX', 'x', 'filename=x.unknown')).statusCode).toBe(400);
    expect((await submit(tx, 'NM', 'x', 'adapter=msix-typed')).statusCode).toBe(403);
    expect((await tx(`/api/v1/exchanges/${(r.json() as { exchangeId: string }).exchangeId}/report`)).statusCode).toBe(
      404,
    ); // another state's exchange does not exist for Texas
    const helpDesk = await injectAs(sys, { roles: ['help-desk'] });
    expect((await helpDesk(`/api/v1/exchanges/${first}/report`)).statusCode).toBe(403);
    expect((await helpDesk(`/api/v1/exchanges/${first}`)).statusCode).toBe(200);
  });
});

describe('a file sent while the queue is down', () => {
  it('is accepted, stored, and ingested once the sweeper finds it', async () => {
    const queue = sys.app.ctx.queue;
    const enqueue = queue.enqueue.bind(queue);
    const enqueueMany = queue.enqueueMany;
    // Redis unreachable for the upload only: every enqueue fails, one job or many (job intents go in bulk).
    const unreachable = async (): Promise<never> => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    queue.enqueue = unreachable as typeof queue.enqueue;
    queue.enqueueMany = unreachable as typeof queue.enqueueMany;
    let r: Awaited<ReturnType<typeof submit>>;
    try {
      r = await submit(
        tx,
        'TX',
        'HDR|TX|20240117093000000|00000001|000000002|20240101|20240117\nSTU|0000001|TX|TX0000777|01|I|\n' +
          'DEM|0000001|001|Rosa|Elena|Ortiz|Luna||F|20110304|N||||MX\n',
        'adapter=msix-typed',
      );
    } finally {
      queue.enqueue = enqueue;
      queue.enqueueMany = enqueueMany;
    }
    expect(r.statusCode, r.body).toBe(202);
    const id = (r.json() as { exchangeId: string }).exchangeId;
    expect((await tx(`/api/v1/exchanges/${id}`)).json()).toMatchObject({ status: 'received' });
    // The worker's sweeper (every MATCH_SWEEP_MS = 1 s in tests) queues the stored file.
    const ex = await finished(tx, id);
    expect(ex).toMatchObject({ status: 'completed', counts: { accepted: 1, created: 1 } });
  });
});

describe('msix submit', () => {
  it('uploads with the CLI, follows the ingest and prints the report', async () => {
    const { spawn } = await import('node:child_process');
    const { tokenFor } = await import('../support/auth.js');
    const { fileURLToPath } = await import('node:url');
    await sys.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = sys.app.server.address() as { port: number };
    const creds = await tokenFor(sys, { state: 'TX', roles: ['state-system'] });
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(
        process.execPath,
        [
          join(root, 'bin', 'msix.js'),
          'submit',
          join(DEFAULT_ADAPTERS_DIR, 'edfi-xml', 'fixtures', 'valid', 'grand-bend-migrant'),
          '--state',
          'TX',
          '--adapter',
          'edfi-xml',
          '--url',
          `http://127.0.0.1:${addr.port}`,
          '--client-id',
          creds.clientId,
          '--client-secret',
          creds.clientSecret,
        ],
        { cwd: root },
      );
      let stdout = '',
        stderr = '';
      p.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      p.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      p.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toMatch(/^exchange [0-9a-f-]{36}/);
    expect(out.stdout).toContain('students read 3: applied 3');
    expect(out.code).toBe(0);
  }, 60_000);
});
