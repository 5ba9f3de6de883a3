import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const msix = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin', 'msix.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('msix validate', () => {
  it('prints the readable summary and exits 0 when every record applies', () => {
    const r = msix(
      'validate',
      'adapters/mis2000-csv/fixtures/valid/nc-nightly.csv',
      '--adapter',
      'mis2000-csv',
      '--state',
      'NC',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('students read 4: applied 4');
  });

  it('prints the JSON report, writes the CSV, and exits 1 when something is rejected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msix-cli-'));
    try {
      const r = msix(
        'validate',
        'adapters/msix-typed/fixtures/invalid/unknown-codes.msix',
        '--json',
        '--csv',
        join(dir, 'r.csv'),
      );
      expect(r.status).toBe(1);
      const report = JSON.parse(r.stdout) as { adapter: string; counts: { rejected: number } };
      expect(report.adapter).toBe('msix-typed');
      expect(report.counts.rejected).toBe(3);
      expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toContain("'K5' is not a valid gradeLevel code");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains usage errors with exit 2', () => {
    expect(msix('validate').status).toBe(2);
    expect(msix('validate', 'x.unknown').status).toBe(2);
    expect(msix('submit', 'x.msix').status).toBe(2);
    // --students goes through the shared integer option parser, before any adapter is loaded.
    const students = msix('adapter', 'check', 'packages/adapter-ngs', '--students=-5');
    expect(students.status).toBe(2);
    expect(students.stderr).toContain("--students must be a whole number of at least 1, not '-5'");
  });
});

describe('msix with ADAPTERS', () => {
  it('validates a file with an adapter installed through ADAPTERS, and lists a broken entry with its reason', () => {
    const env = { ...process.env, ADAPTERS: '@msix-examples/adapter-ngs,./no/such/adapter' };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'msix.js'), ...args], { cwd: ROOT, encoding: 'utf8', env });
    const v = run('validate', 'packages/adapter-ngs/fixtures/valid/tx-families.ngs', '--state', 'TX');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain('(ngs-export) for TX');
    const list = run('adapters');
    expect(list.stdout).toMatch(/^ngs-export@1\.0\.0 /m);
    expect(list.stdout).toMatch(/^\.\/no\/such\/adapter {2}DISABLED \(discovery\): folder .* does not exist$/m);
  });
});
