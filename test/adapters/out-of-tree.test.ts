/**
 * The vendor's path, end to end and offline: `msix adapter init` writes a package outside the repository, the
 * package builds and passes its own tests against the published (compiled) SDK, `msix adapter check` certifies it,
 * and the gateway's registry loads it from the ADAPTERS list without a rebuild.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBytes, type ParseEvent } from '@msix/adapter-sdk';
import type { CertificationReport } from '@msix/adapter-sdk/conformance';
import { loadAdapters } from '../../adapters/registry.js';
import { initAdapter } from '../../scripts/adapter-init.js';
import { injectAs } from '../support/auth.js';
import { eventually, startSystem } from '../support/system.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'msix-vendor-'));
const pkg = join(tmp, 'adapter-nightly');
const HEADER =
  'STATE|STUDENT_ID|FIRST_NAME|MIDDLE_NAME|LAST_NAME|LAST_NAME_2|SEX|BIRTH_DATE|QUALIFYING_ARRIVAL_DATE|' +
  'QUALIFYING_MOVE_FROM_STATE\n';
const SAMPLE = join(tmp, 'vendor-sample.psv');

/** What `npm install` gives the package, without the network: the compiled SDK and its dependencies, the tools. */
async function installOffline(dir: string): Promise<void> {
  const modules = join(dir, 'node_modules');
  await run(process.execPath, [join(ROOT, 'packages/adapter-sdk/build.mjs'), join(modules, '@msix/adapter-sdk')]);
  const sdk = JSON.parse(readFileSync(join(ROOT, 'packages/adapter-sdk/package.json'), 'utf8'));
  for (const name of [...Object.keys(sdk.dependencies), 'typescript', 'vitest', '@types/node']) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
}

beforeAll(async () => {
  await run(process.execPath, ['bin/msix.js', 'adapter', 'init', '@acme/adapter-nightly', '--dir', tmp], {
    cwd: ROOT,
  });
  await installOffline(pkg);
  writeFileSync(
    SAMPLE,
    `${HEADER}TX|V1|Zelda||Quintana||F|2014-03-09|2024-08-19|CA\nTX|V2|||Quintana||F|2014-03-09||\n`,
  );
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('an adapter package made outside the repository', () => {
  it('adapter init writes a package that builds and passes its tests at once', async () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: 'nightly', sdk: 1, entry: 'dist/index.js' });
    const written = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(written.peerDependencies).toEqual({ '@msix/adapter-sdk': '^1.0.0' });
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: pkg });
    expect(existsSync(join(pkg, 'dist/index.js'))).toBe(true);
    const tests = await run(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run'], {
      cwd: pkg,
      timeout: 120_000,
    });
    expect(tests.stdout).toMatch(/Tests\s+.*2 passed/);
  }, 180_000);

  it('adapter init refuses a name that is no package name, and a folder that has files', () => {
    expect(initAdapter('Acme Nightly', tmp)).toMatchObject({ kind: 'error', reason: /not an npm package name/ });
    expect(initAdapter('@acme/adapter-nightly', tmp)).toMatchObject({ kind: 'error', reason: /not empty/ });
  });

  it('adapter check certifies it: checks, coverage, throughput and memory, samples without their values', async () => {
    const out = join(tmp, 'cert');
    const r = await run(
      process.execPath,
      ['bin/msix.js', 'adapter', 'check', pkg, '--file', SAMPLE, '--out', out, '--students', '3000'],
      { cwd: ROOT, timeout: 120_000 },
    );
    expect(r.stdout).toMatch(/^certified: /m);
    const report = JSON.parse(
      readFileSync(join(out, 'nightly-0.1.0-certification.json'), 'utf8'),
    ) as CertificationReport;
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(7);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    const status = Object.fromEntries(report.coverage.fields.map((f) => [f.path, f.status]));
    expect(status['/identity/birthDate']).toBe('mapped');
    expect(status['/qualifyingMoves/*/fromState']).toBe('mapped');
    expect(status['/enrollments/*/gradeLevel']).toBe('not carried');
    expect(report.performance).toMatchObject({ students: 3000, limitMiB: 96 });
    expect(Number(report.performance!.studentsPerSecond)).toBeGreaterThan(0);
    expect(report.samples).toEqual([
      {
        file: 'vendor-sample.psv',
        students: 2,
        ok: 1,
        invalid: 1,
        unsupported: 0,
        fileIssues: [],
        issues: [{ path: '/identity/firstName', rule: 'required', count: 1 }],
      },
    ]);
    const html = readFileSync(join(out, 'nightly-0.1.0-certification.html'), 'utf8');
    expect(html).toContain('PASSED');
    expect(html).toContain('/qualifyingMoves/*/qualifyingArrivalDate');
    // The report goes to a state: it says where problems are, never what a sample file held.
    expect(html + JSON.stringify(report)).not.toMatch(/Zelda|Quintana/);
  }, 180_000);

  it('the gateway installs it from the ADAPTERS list, without a rebuild, and reads its files', async () => {
    const registry = await loadAdapters({ packages: ['./adapter-nightly'], base: tmp });
    expect(registry.disabled).toEqual([]);
    expect(registry.sources.get('nightly')).toEqual({ dir: pkg, from: './adapter-nightly' });
    expect(registry.forFileName('export.psv').map((a) => a.manifest.id)).toEqual(['nightly']);
    const events: ParseEvent[] = [];
    const file = fromBytes(readFileSync(join(pkg, 'fixtures/valid/sample.psv')));
    for await (const ev of registry.get('nightly')!.parse(file)) events.push(ev);
    expect(events.filter((e) => e.kind === 'ok')).toHaveLength(3);
  });

  it('a running gateway installs it by configuration alone; a file sent through the API ends in students', async () => {
    const sys = await startSystem({ workers: true, env: { ADAPTERS: pkg } });
    try {
      const tx = await injectAs(sys, { state: 'TX', roles: ['state-system'] });
      const up = await tx({
        method: 'POST',
        url: '/api/v1/states/TX/files?filename=nightly.psv',
        payload: readFileSync(join(pkg, 'fixtures/valid/sample.psv')),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(up.statusCode, up.body).toBe(202);
      expect(up.json().file.adapter).toBe('nightly');
      const admin = await injectAs(sys, { state: null, roles: ['admin'] });
      const msixId = await eventually(async () => {
        const r = (await admin('/api/v1/states/TX/records/TX100001')).json() as { msixId?: string | null };
        return r.msixId ?? null;
      }, 30_000);
      const student = await admin(`/api/v1/students/${msixId}`);
      expect(student.statusCode, student.body).toBe(200);
      expect(JSON.stringify(student.json())).toContain('2024-08-19');
    } finally {
      await sys.close();
    }
  }, 90_000);
});
