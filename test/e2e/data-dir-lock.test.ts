import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataDirBusyError, lockDataDir } from '../../core/store/dir-lock.js';
import { runScript, type ScriptRun } from '../support/script-process.js';

/**
 * Issue 13 finding 5: the clients CLI opened the embedded database the running gateway held, so a revocation made
 * while `npm start` ran did nothing (the gateway never saw it) and was lost at shutdown. Real processes throughout:
 * the gateway, the CLI, a second gateway on the same directory.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'msix-lock-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', USER: 'lock-test' };
  delete e.DATABASE_URL;
  delete e.REDIS_URL;
  return e;
}

function run(script: string, args: string[]): ScriptRun {
  return runScript(script, args, env(), children);
}

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const r = run('scripts/clients.ts', args);
  return { code: await r.exit, out: r.output() };
}

function startGateway(): Promise<{ base: string; child: ChildProcess; output: () => string }> {
  const r = run('scripts/start.ts', []);
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway did not start in time:\n${r.output()}`)), 110_000);
    const check = setInterval(() => {
      const m = /API docs : (http:\/\/[\d.]+:\d+)\/docs/.exec(r.output());
      if (m && r.output().includes('Press Ctrl-C')) {
        clearInterval(check);
        clearTimeout(timer);
        ok({ base: m[1]!, child: r.child, output: r.output });
      }
      if (r.child.exitCode !== null) {
        clearInterval(check);
        clearTimeout(timer);
        fail(new Error(`start exited:\n${r.output()}`));
      }
    }, 100);
  });
}

const token = (base: string, id: string, secret: string) =>
  fetch(`${base}/oauth/token`, {
    method: 'POST',
    body: 'grant_type=client_credentials',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
  });

describe('one process per embedded data directory', () => {
  it('refuses a second holder by name and pid, and takes over the lock of a process that died', async () => {
    const dir = join(dataDir, 'other');
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./core/store/dir-lock.ts').then((m) => { m.lockDataDir(${JSON.stringify(dir)}, 'holder test');` +
          ` process.stdout.write('held\\n'); setInterval(() => {}, 1000); })`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await new Promise<void>((ok) => holder.stdout!.once('data', () => ok()));
    let err: unknown = null;
    try {
      lockDataDir(dir, 'this test');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirBusyError);
    expect((err as Error).message).toContain(`in use by process ${holder.pid} (holder test`);
    expect((err as Error).message).toContain('Stop that process first');

    // Killed without a chance to clean up: its lock is stale and the next process takes the directory.
    holder.kill('SIGKILL');
    await new Promise((ok) => holder.once('exit', ok));
    const mine = lockDataDir(dir, 'this test');
    mine.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('changes clients through the running gateway: a revocation bites at once and survives shutdown', async () => {
    const gw = await startGateway();
    const created = await cli('create', '--state', 'TX', '--name', 'lock test');
    expect(created.code, created.out).toBe(0);
    const id = /client_id\s+(\S+)/.exec(created.out)![1]!;
    const secret = /client_secret\s+(\S+)/.exec(created.out)![1]!;
    const t = await token(gw.base, id, secret);
    expect(t.status).toBe(200);
    const bearer = { authorization: `Bearer ${((await t.json()) as { access_token: string }).access_token}` };
    expect((await fetch(`${gw.base}/api/v1/states/TX/records/TX0000001`, { headers: bearer })).status).toBe(404);

    // A second gateway on the same directory is refused, naming the holder.
    const second = run('scripts/start.ts', []);
    expect(await second.exit).not.toBe(0);
    expect(second.output()).toContain(`in use by process ${gw.child.pid}`);

    const revoked = await cli('revoke', id);
    expect(revoked.code, revoked.out).toBe(0);
    expect(revoked.out).toContain(`running gateway (process ${gw.child.pid}`);
    // At once: no new token, and the token already issued is refused on the next request (no cache window).
    expect((await token(gw.base, id, secret)).status).toBe(401);
    expect((await fetch(`${gw.base}/api/v1/states/TX/records/TX0000001`, { headers: bearer })).status).toBe(401);

    gw.child.kill('SIGINT');
    await new Promise((ok) => gw.child.once('exit', ok));
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    // With the gateway stopped the CLI opens the directory itself: the revocation was kept, and it is on the trail.
    const list = await cli('list', '--state', 'TX');
    expect(list.code, list.out).toBe(0);
    expect(list.out).toMatch(new RegExp(`${id}\\tTX\\tstate-system\\trevoked`));
  }, 300_000);
});
