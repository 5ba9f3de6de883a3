import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { seedDemo } from '../../demo/seed.js';
import { eventually, startSystem, type TestSystem } from './system.js';

/** Debian's chromium: the browser the suite drives (.ci/run installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where screenshots go: a test artifact, not committed. */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'portal');

export interface Portal {
  sys: TestSystem;
  /** The gateway's base URL (it listens on 127.0.0.1, on a free port). */
  base: string;
  browser: BrowserContext;
  close(): Promise<void>;
}

/**
 * One listening gateway with the development identity provider, real workers
 * and the demo states' records, and one headless chromium with a fresh
 * profile: started once per test file and shared by its journeys.
 */
export async function startPortal(opts: { demo?: boolean; env?: Record<string, string> } = {}): Promise<Portal> {
  const sys = await startSystem({ workers: true, env: { DEV_IDP: 'true', ...opts.env } });
  await sys.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = sys.app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('the gateway is not listening');
  const base = `http://127.0.0.1:${addr.port}`;
  if (opts.demo !== false) {
    await seedDemo(sys.db, sys.queue);
    await sys.workers?.sweep();
    // The journeys read near matches and consolidated students: wait for the workers to decide every demo record
    // (on a busy machine the browser can otherwise start before matching has ended).
    await eventually(async () => {
      const r = await sys.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM state_records WHERE match_status = 'pending'`,
      );
      return r.rows[0]!.n === 0;
    }, 120_000);
  }
  const profile = mkdtempSync(join(tmpdir(), 'msix-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    sys,
    base,
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
      await sys.close();
    },
  };
}

/**
 * Signs in through the development provider's picker as a demo person (by
 * display name), starting from `path`, and returns on the page the portal
 * sends them to. Each call uses a fresh page; cookies persist in the context.
 */
export async function signIn(portal: Portal, who: string, path = '/portal', host = '127.0.0.1'): Promise<Page> {
  await portal.browser.clearCookies();
  const page = await portal.browser.newPage();
  await page.goto(`${portal.base.replace('127.0.0.1', host)}${path}`);
  await page.getByRole('button', { name: who }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/dev-idp') && !u.pathname.startsWith('/auth/'));
  return page;
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; fails on any serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `${page.url()}: ${JSON.stringify(bad)}`).toEqual([]);
}
interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

/** Saves a full-page screenshot as a test artifact (test-artifacts/portal/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
