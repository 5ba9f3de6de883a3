import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../gateway/dev-idp/users.js';
import { ASSETS } from '../../gateway/portal/assets.js';
import { expectAccessible, screenshot, signIn, startPortal, type Portal } from '../support/browser.js';

/**
 * The portal's frame in a real browser: every demo person signs in (from
 * localhost or 127.0.0.1) and lands on their role's home page, signs out, and
 * an expired session goes through sign-in back to the page asked for.
 */
let portal: Portal;
/** The header's menu labels that wrap onto a second line (run in the page). */
const wrappedMenuLabels = () =>
  [...document.querySelectorAll('.usa-nav__primary > li > :is(a, button) > span')]
    .filter((s) => s.getBoundingClientRect().height > Number.parseFloat(getComputedStyle(s).fontSize) * 2)
    .map((s) => s.textContent);
beforeAll(async () => {
  portal = await startPortal({ demo: false });
});
afterAll(async () => {
  await portal?.close();
});

describe('portal frame', () => {
  it.each(DEMO_USERS.map((user, i) => ({ user, i })))(
    'lands $user.username on a home page with name, state and menu; sign-out ends the session',
    async ({ user, i }) => {
      {
        // Half of them type localhost, as the README says; the gateway listens on 127.0.0.1.
        const page = await signIn(portal, user.name, '/portal', i % 2 === 0 ? 'localhost' : '127.0.0.1');
        expect(new URL(page.url()).pathname).toBe('/portal');
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(user.name);
        const header = (await page.getByTestId('viewer-name').textContent()) ?? '';
        expect(header).toContain(user.name);
        const intro = (await page.locator('.usa-intro').textContent()) ?? '';
        expect(intro).toContain(user.state ? `State: ${user.state}` : 'National');
        await expectAccessible(page);
        await screenshot(page, `home-${user.username}`);
        // At 1280 px every menu label fits one line (a long menu shows groups as USWDS dropdowns instead).
        await expect(page.evaluate(wrappedMenuLabels)).resolves.toEqual([]);
        if (user.username === 'admin') {
          await page.getByRole('button', { name: 'Help desk', exact: true }).click();
          await page.getByRole('link', { name: 'Deliveries', exact: true }).first().waitFor();
          await expectAccessible(page);
          // A phone: nothing scrolls sideways, the menu folds behind its button.
          await page.setViewportSize({ width: 360, height: 780 });
          await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(360);
          await page.getByRole('button', { name: 'Menu', exact: true }).waitFor();
          await screenshot(page, 'home-admin-360');
          await page.setViewportSize({ width: 1280, height: 900 });
        }
        await page.getByRole('button', { name: 'Sign out' }).click();
        // Signed out: the portal asks who is signing in again.
        await page.waitForURL((u) => u.pathname.startsWith('/dev-idp/'));
        if (i === 0) {
          const res = await page.goto(`${portal.base}/portal`);
          expect(new URL(page.url()).pathname).toBe('/dev-idp/authorize');
          expect(res?.ok()).toBe(true);
        }
        await page.close();
      }
      const ended = await portal.sys.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NOT NULL`,
      );
      expect(ended.rows[0]!.n).toBe(i + 1);
    },
  );

  it('sends an expired session through sign-in and back to the page asked for', async () => {
    const first = await signIn(portal, 'Teresa Garza');
    await first.close();
    await portal.sys.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second'`);
    const page = await portal.browser.newPage();
    await page.goto(`${portal.base}/portal?from=bookmark`);
    expect(new URL(page.url()).pathname).toBe('/dev-idp/authorize');
    await page.getByRole('button', { name: 'Teresa Garza' }).click();
    await page.waitForURL((u) => u.pathname === '/portal');
    expect(new URL(page.url()).search).toBe('?from=bookmark');
    await page.close();
  });

  it('weighs under 200 kB on first load, and student pages are never cached', async () => {
    const page = await signIn(portal, 'Teresa Garza');
    const fresh = await portal.browser.newPage();
    // A first visit: nothing cached (a new page in the same profile; the cache is bypassed through CDP).
    const cdp = await portal.browser.newCDPSession(fresh);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // Bytes on the wire: each response's body as sent (gzipped where the gateway compresses) plus its headers.
    const sizes: Promise<number>[] = [];
    fresh.on('response', (r) => {
      sizes.push(
        r.allHeaders().then(async (h) => {
          const sent = Number(h['content-length'] ?? (await r.body().catch(() => Buffer.alloc(0))).length);
          return sent + Object.entries(h).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
        }),
      );
    });
    const res = await fresh.goto(`${portal.base}/portal`, { waitUntil: 'networkidle' });
    expect(res?.headers()['cache-control']).toBe('no-store');
    const total = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    console.info(`portal home, first load: ${sizes.length} responses, ${(total / 1024).toFixed(1)} kB`);
    expect(total).toBeLessThan(200 * 1024);
    await fresh.close();
    await page.close();
  });

  it('answers API clients with problem details and browsers with the sign-in', async () => {
    const api = await portal.sys.app.inject({ method: 'GET', url: '/portal' });
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-type']).toContain('application/problem+json');
    const browser = await portal.sys.app.inject({
      method: 'GET',
      url: '/portal?x=1',
      headers: { accept: 'text/html' },
    });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe(`/auth/login?returnTo=${encodeURIComponent('/portal?x=1')}`);
    // Asset paths stay inside their folders.
    for (const url of [
      ASSETS.css.replace('css/uswds.min.css', 'css/%2e%2e/%2e%2e/package.json'),
      '/assets/portal/x.ts',
    ])
      expect((await portal.sys.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    const css = await portal.sys.app.inject({
      method: 'GET',
      url: '/assets/portal/portal.css',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect([css.statusCode, css.headers['content-encoding']]).toEqual([200, 'gzip']);
    // The icon browsers ask for on their own, before any page names one.
    const icon = await portal.sys.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect([icon.statusCode, icon.headers['content-type']]).toEqual([200, 'image/x-icon']);
  });
});
