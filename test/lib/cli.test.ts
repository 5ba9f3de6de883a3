import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Runs a command-line tool from the sources; the command line is read before anything else happens. */
const tool = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('command lines read with node:util parseArgs', () => {
  it('refuses an unknown option with the usage, exit 2', () => {
    const r = tool('scripts/match-rekey.ts', '--pages', '10');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--pages'");
    expect(r.stderr).toContain('usage: npm run match:rekey');
  });

  it('prints the usage for --help, exit 0, and says which value is wrong', () => {
    const help = tool('scripts/match-load.ts', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--chunk N');
    const bad = tool('scripts/match-load.ts', '--chunk', 'ten');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--chunk must be a whole number of at least 1, not 'ten'");
  });

  it('keeps exit 2 for usage errors of the vendor CLI, and 1 where 2 means a broken audit chain', () => {
    const msix = tool('scripts/msix.ts', 'validate', 'x.msix', '--adaptor', 'msix-typed');
    expect(msix.status).toBe(2);
    expect(msix.stderr).toContain("Unknown option '--adaptor'");
    const audit = tool('scripts/audit.ts', 'verify', '--fiel', 'x.jsonl');
    expect(audit.status).toBe(1);
  });
});
