import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'msix-start-'));
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `npm start`'s program the way a new user does and waits for the printed URLs. */
function start(): Promise<{ base: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--demo'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URLs printed in time:\n${out}`)), 90_000);
    const check = setInterval(() => {
      const m = /API docs : (http:\/\/[\d.]+:\d+)\/docs/.exec(out);
      if (m && out.includes('Press Ctrl-C')) {
        clearInterval(check);
        clearTimeout(timer);
        ok({ base: m[1]!, output: () => out });
      }
      if (child!.exitCode !== null) {
        clearInterval(check);
        clearTimeout(timer);
        fail(new Error(`start exited:\n${out}`));
      }
    }, 100);
  });
}

describe('npm start on embedded defaults', () => {
  it('serves the demo over real HTTP, takes a write, and stops cleanly on Ctrl-C', async () => {
    const { base, output } = await start();
    expect(output()).toContain('embedded PGlite');
    expect(output()).toContain('embedded redis-server');
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);

    // The printed demo client gets a token the way a state system would.
    const cred = /client_id=(\S+)\s+client_secret=(\S+)/.exec(output());
    expect(cred).not.toBeNull();
    expect((await fetch(`${base}/api/v1/states/TX/records/TX0048213`)).status).toBe(401);
    const tokenRes = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
      headers: {
        authorization: `Basic ${Buffer.from(`${cred![1]}:${cred![2]}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    expect(tokenRes.status).toBe(200);
    const auth = { authorization: `Bearer ${((await tokenRes.json()) as { access_token: string }).access_token}` };

    // The demo student: three states' records under one MSIX id, with her credits from all three.
    let ana: { msixId: string | null } = { msixId: null };
    for (let i = 0; i < 100 && !ana.msixId; i++) {
      ana = (await (await fetch(`${base}/api/v1/states/TX/records/TX0048213`, { headers: auth })).json()) as {
        msixId: string | null;
      };
      if (!ana.msixId) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ana.msixId).toMatch(/^\d{12}$/);
    let student: { states: string[]; credits: { totalCredits: number } } = { states: [], credits: { totalCredits: 0 } };
    for (let i = 0; i < 100 && student.states.length < 3; i++) {
      student = (await (
        await fetch(`${base}/api/v1/students/${ana.msixId}`, { headers: auth })
      ).json()) as typeof student;
      if (student.states.length < 3) await new Promise((r) => setTimeout(r, 200));
    }
    expect(student.states).toEqual(['FL', 'MI', 'TX']);
    expect(student.credits.totalCredits).toBeGreaterThan(20);

    const write = await fetch(`${base}/api/v1/states/TX/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({
        stateStudentId: 'E2E-1',
        identity: { firstName: 'Beto', lastName1: 'Salinas', birthDate: '2014-02-11' },
      }),
    });
    expect(write.status).toBe(201);

    child!.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => child!.once('exit', (c) => ok(c)));
    expect(code).toBe(0);
    expect(output()).toContain('Stopped.');
  });
});
