import { afterAll, describe, expect, inject, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freshDb } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
let child: ChildProcess | null = null;
let dropDb: (() => Promise<void>) | null = null;
afterAll(async () => {
  child?.kill('SIGKILL');
  await dropDb?.();
});

/** Starts the compiled gateway and worker (plain node, no tsx) and waits for the printed health URL. */
function startCompiled(env: NodeJS.ProcessEnv): Promise<{ health: string; output: () => string }> {
  child = spawn(process.execPath, ['dist/scripts/start.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no health URL printed in time:\n${out}`)), 120_000);
    const check = setInterval(() => {
      const m = /health {3}: (http:\/\/\S+)/.exec(out);
      if (m && out.includes('Press Ctrl-C')) {
        clearInterval(check);
        clearTimeout(timer);
        ok({ health: m[1]!, output: () => out });
      }
      if (child!.exitCode !== null) {
        clearInterval(check);
        clearTimeout(timer);
        fail(new Error(`dist/scripts/start.js exited:\n${out}`));
      }
    }, 100);
  });
}

describe('production runs compiled JavaScript', () => {
  it('builds dist/ (npm run build); node dist/scripts/start.js migrates, serves health, loads adapters', async () => {
    await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 240_000 });

    // Adapter discovery imports each adapter's compiled entry (index.js where the manifest says index.ts), and the
    // out-of-tree NGS package (ADAPTERS) as published: its own compiled entry, with the gateway's compiled SDK.
    const adapters = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { loadAdapters } = await import('./dist/adapters/registry.js');" +
          "const r = await loadAdapters({ packages: ['@msix-examples/adapter-ngs'] });" +
          'console.log(JSON.stringify({ ids: [...r.adapters.keys()], disabled: r.disabled }));',
      ],
      { cwd: ROOT },
    );
    const found = JSON.parse(adapters.stdout) as { ids: string[]; disabled: unknown[] };
    expect(found.disabled).toEqual([]);
    expect(found.ids).toEqual(expect.arrayContaining(['edfi-xml', 'mis2000-csv', 'msix-typed', 'ngs-export']));

    // A fresh, unmigrated database: the compiled start applies the copied .sql migrations itself.
    const { url, drop } = await freshDb('postgres', { migrated: false });
    dropDb = drop;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: url!,
      REDIS_URL: inject('redisUrl'),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ADAPTERS: '@msix-examples/adapter-ngs',
    };
    const { health, output } = await startCompiled(env);
    const ready = await fetch(health);
    expect(ready.status).toBe(200);
    const readiness = (await ready.json()) as { status: string; checks?: unknown };
    expect(readiness).toMatchObject({ status: 'ready' });
    expect(JSON.stringify(readiness)).toContain('ngs-export');
    expect(output()).not.toMatch(/tsx|ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION/);
    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }, 400_000);
});
