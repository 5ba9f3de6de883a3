import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript } from '../support/script-process.js';

/**
 * The first hour of a new user (issue 14 item 8), with real processes: `npm start`'s demo prints its banner once,
 * with no log line in the terminal (the logs go to a file); `npm run demo:token -- FL` gives a token Florida's
 * system can use; the OpenAPI document offers Swagger UI's Authorize (client credentials and bearer) and each
 * route's security; /metrics answers.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'msix-demo-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function run(script: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'LOG_FILE', 'LOG_LEVEL']) delete env[k];
  return runScript(script, args, env, children);
}

describe('npm start (demo) for a new user', () => {
  it('prints a quiet banner, hands out a token per state system, and documents how to authorize', async () => {
    const gw = run('scripts/start.ts', ['--demo']);
    const base = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the demo did not start in time:\n${gw.output()}`)), 200_000);
      const check = setInterval(() => {
        const m = /API docs : (http:\/\/[\d.]+:\d+)\/docs/.exec(gw.output());
        if ((m && gw.output().includes('Press Ctrl-C')) || gw.child.exitCode !== null) {
          clearInterval(check);
          clearTimeout(timer);
          if (m) ok(m[1]!);
          else fail(new Error(`start exited:\n${gw.output()}`));
        }
      }, 200);
    });
    const banner = gw.output();
    // No JSON log line in the terminal: they are in the log file the banner names.
    expect(banner.split('\n').filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(banner.match(/Migrant student record exchange gateway is running\./g)).toHaveLength(1);
    const logFile = /logs {5}: (\S+)/.exec(banner)?.[1];
    expect(logFile).toBe(join(dataDir, 'gateway.log'));
    expect(readFileSync(logFile!, 'utf8')).toContain('"msg":"demo data loaded"');

    const t = run('scripts/demo-token.ts', ['FL']);
    expect(await t.exit, t.output()).toBe(0);
    const token = /^FL {2}(eyJ\S+)$/m.exec(t.output())?.[1];
    expect(token, t.output()).toBeDefined();
    const ana = await fetch(`${base}/api/v1/states/FL/records/FL5530098127`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ana.status).toBe(200);
    const unknown = run('scripts/demo-token.ts', ['ZZ']);
    expect(await unknown.exit).toBe(1);
    expect(unknown.output()).toContain('the demo states are TX, MI, FL, CA, WA');

    const doc = (await (await fetch(`${base}/docs/json`)).json()) as {
      components: { securitySchemes: Record<string, { type: string; flows?: unknown }> };
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.components.securitySchemes.oauth2).toMatchObject({
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: '/oauth/token' } },
    });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/v1/students/{msixId}']!.get!.security).toEqual([{ oauth2: [] }, { bearer: [] }]);
    expect(doc.paths['/health/ready']!.get!.security).toEqual([]);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);

    gw.child.kill('SIGINT');
    expect(await gw.exit).toBe(0);
  }, 300_000);
});
