import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppress } from '../../core/reports.js';
import { DEMO_RECORDS } from '../../demo/students.js';
import { expectAccessible, screenshot, signIn, startPortal, type Portal } from '../support/browser.js';

/**
 * Federal reporting in a real browser: the child counts as a page, JSON and
 * CSV with the same numbers and small cells suppressed; no name or birth date
 * anywhere; every student page refused.
 */
let portal: Portal;
const childText = [
  ...new Set(
    DEMO_RECORDS.flatMap((r) => [r.identity.firstName, r.identity.lastName1, r.identity.birthDate]).filter(
      (x): x is string => typeof x === 'string' && x.length >= 3,
    ),
  ),
];

beforeAll(async () => {
  portal = await startPortal();
});
afterAll(async () => {
  await portal?.close();
});

describe('federal reporting', () => {
  it('suppresses cells under 5, and a second cell when one alone would be given back by the total', () => {
    expect(
      suppress([
        { state: 'TX', children: 12 },
        { state: 'FL', children: 7 },
      ]),
    ).toEqual({
      rows: [
        { state: 'TX', children: 12, suppressed: false },
        { state: 'FL', children: 7, suppressed: false },
      ],
      total: 19,
    });
    const one = suppress([
      { state: 'TX', children: 12 },
      { state: 'FL', children: 7 },
      { state: 'WA', children: 2 },
    ]);
    expect(one.rows.map((r) => r.children)).toEqual([12, null, null]);
    expect(one.total).toBe(21);
    expect(suppress([{ state: 'WA', children: 3 }]).total).toBeNull();
  });

  it('reads child counts as a page, JSON and CSV with the same numbers, and no child anywhere', async () => {
    const page = await signIn(portal, 'Frank Moreno', '/portal/reports?from=2020-01-01&to=2030-12-31');
    expect(new URL(page.url()).pathname).toBe('/portal/reports');
    const html = await page.content();
    expect(childText.filter((t) => html.includes(t))).toEqual([]);
    await expectAccessible(page);
    await screenshot(page, 'federal-reports');
    const cells = await page.locator('#child-counts tbody tr').allTextContents();
    const json = await (
      await page.request.get(`${portal.base}/api/v1/reports/child-counts?from=2020-01-01&to=2030-12-31`)
    ).json();
    const csv = await (
      await page.request.get(`${portal.base}/api/v1/reports/child-counts?from=2020-01-01&to=2030-12-31&format=csv`)
    ).text();
    expect(json.rows.length).toBeGreaterThan(0);
    expect(cells.length).toBe(json.rows.length + 1);
    for (const [i, r] of (json.rows as { state: string; children: number | null }[]).entries()) {
      expect(cells[i]).toContain(r.state);
      if (r.children === null) expect(cells[i]).toContain('suppressed');
      else expect(cells[i]).toContain(String(r.children));
      expect(csv).toContain(`${r.state},${r.children ?? ''},${r.children === null}`);
    }
    for (const body of [JSON.stringify(json), csv]) expect(childText.filter((t) => body.includes(t))).toEqual([]);
    // The other reports: each page, its JSON and its CSV hold the same numbers, small cells suppressed, no child.
    const period = 'from=2020-01-01&to=2030-12-31';
    const shown = (v: number | null) => (v === null ? 'fewer than 5' : String(v));
    // The demo's deliveries carry no deadline; give them one a day after they were made, so they are counted.
    await portal.sys.db.query(`UPDATE deliveries SET deadline_at = created_at + interval '1 day'`);
    for (const name of ['mobility', 'data-quality', 'worklist-aging', 'deadlines']) {
      await page.goto(`${portal.base}/portal/reports/${name}?${period}`);
      const body = await page.content();
      const report = await (await page.request.get(`${portal.base}/api/v1/reports/${name}?${period}`)).json();
      const sheet = await (await page.request.get(`${portal.base}/api/v1/reports/${name}?${period}&format=csv`)).text();
      for (const text of [body, JSON.stringify(report), sheet])
        expect(childText.filter((t) => text.includes(t))).toEqual([]);
      expect(report.suppressBelow).toBe(5);
      expect((report.cells ?? report.rows).length, name).toBeGreaterThan(0);
      if (name === 'mobility') {
        for (const c of report.cells as { fromState: string; toState: string; children: number | null }[]) {
          const td = page.locator(`#mobility td[data-cell="${c.fromState}-${c.toState}"]`);
          await expect(td.textContent()).resolves.toBe(shown(c.children));
          expect(sheet).toContain(`${c.fromState},${c.toState},${c.children ?? ''},${c.children === null}`);
        }
        // The chart beside the table: one bar per move (the 20 largest), suppressed moves as outlines, never sized.
        const chart = page.getByRole('img', { name: /children by move between states/ });
        const moves = (report.cells as { fromState: string; toState: string; children: number | null }[]).filter(
          (c) => c.fromState !== c.toState,
        );
        const drawn = Math.min(20, moves.length);
        await expect(chart.locator('g > g').count()).resolves.toBe(drawn);
        const hidden = moves.filter((c) => c.children === null).length;
        // (Suppressed moves come after every counted one.)
        const outlines = Math.max(0, drawn - (moves.length - hidden));
        await expect(chart.locator('[data-suppressed]').count()).resolves.toBe(outlines);
      } else if (name === 'worklist-aging') {
        const chart = page.getByRole('img', { name: /open near matches by state/ });
        await expect(chart.locator('text', { hasText: report.rows[0].state }).count()).resolves.toBe(1);
        const rows = report.rows as { state: string }[];
        await expect(page.locator(`#${name} tbody tr[data-state]`).count()).resolves.toBe(rows.length);
      } else {
        const rows = report.rows as { state: string; kind?: string }[];
        await expect(page.locator(`#${name} tbody tr[data-state]`).count()).resolves.toBe(rows.length);
        for (const r of rows) expect(sheet).toContain(`\n${r.state},`);
      }
      // The side menu and the JSON/CSV links carry the period and nothing else.
      const links = await page.$$eval('nav[aria-label="Reports"] a, main a[href^="/api/v1/reports/"]', (as) =>
        as.map((a) => (a as HTMLAnchorElement).href),
      );
      expect(links.length).toBeGreaterThanOrEqual(7);
      for (const href of links)
        expect(
          [...new URL(href).searchParams.keys()].filter((k) => k !== 'format'),
          href,
        ).toEqual(['from', 'to']);
      await expectAccessible(page);
      // Well under the 200 kB page budget (the page itself; the shared assets are measured in frame.test.ts).
      expect(Buffer.byteLength(body), name).toBeLessThan(60_000);
      if (name === 'mobility' || name === 'worklist-aging') await screenshot(page, `federal-${name}`);
    }
    await screenshot(page, 'federal-deadlines');
    // A period that ends before it starts, or a day that is none, is shown next to its date (no numbers, no 500).
    for (const [query, field] of [
      ['from=2026-06-01&to=2026-01-01', 'to'],
      ['from=2026-13-01', 'from'],
    ] as const) {
      const res = await page.goto(`${portal.base}/portal/reports/mobility?${query}`);
      expect(res?.status(), query).toBe(400);
      await expect(page.locator(`#f-${field}-error`).count(), query).resolves.toBe(1);
      await expect(page.locator('#mobility').count()).resolves.toBe(0);
    }
    // Federal reporting reads the reports and nothing else.
    for (const path of ['/portal/find', '/portal/deliveries', '/portal/ledger', '/portal/requests']) {
      const res = await page.goto(`${portal.base}${path}`);
      expect(res?.status(), path).toBe(403);
      const refused = await page.content();
      expect(childText.filter((t) => refused.includes(t))).toEqual([]);
    }
    await page.close();
  });
});
