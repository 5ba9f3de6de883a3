import { getRequest } from '../../core/exchange/requests/requests.js';
import { seenOf } from '../../gateway/portal/pages/requests.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findStateRecord } from '../../core/records.js';
import { studentOfRecord } from '../../core/students.js';
import { eventually } from '../support/system.js';
import { expectAccessible, screenshot, signIn, startPortal, type Portal } from '../support/browser.js';

/**
 * A counselor's journey in a real browser: Florida's counselor finds Ana by
 * Florida's student id, reads her consolidated record (credits from Texas,
 * Michigan and Florida), prints it as a PDF, and searches by name and birth
 * date with a purpose (a record request whose status the page follows).
 */
let portal: Portal;
let anaId = '';
beforeAll(async () => {
  portal = await startPortal();
  anaId = await eventually(async () => {
    const fl = await findStateRecord(portal.sys.db, 'FL', 'FL5530098127');
    const mi = await findStateRecord(portal.sys.db, 'MI', '7730019921');
    const ids =
      fl && mi ? [await studentOfRecord(portal.sys.db, fl.id), await studentOfRecord(portal.sys.db, mi.id)] : [];
    return ids[0] && ids[0] === ids[1] ? ids[0] : null;
  }, 60_000);
});
afterAll(async () => {
  await portal?.close();
});

describe('counselor journey', () => {
  it('finds the demo student by state id and sees credits from three states; the PDF downloads', async () => {
    const page = await signIn(portal, 'Luis Ortega', '/portal/find');
    await expectAccessible(page);
    await page.getByLabel('FL student id', { exact: true }).fill('FL5530098127');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/portal/students/${anaId}`);
    const byState = (await page.locator('#credits-by-state tbody').textContent()) ?? '';
    for (const s of ['TX', 'MI', 'FL']) expect(byState).toContain(s);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Ana');
    expect(await page.getByText('Qualifying arrival date:').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'counselor-student');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download PDF' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`msix-${anaId}.pdf`);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const pdf = readFileSync(path);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1500);
    const res = await page.request.get(`${portal.base}/portal/students/${anaId}`);
    expect(res.headers()['cache-control']).toBe('no-store');
    // The read and the PDF are audited disclosures, as on the API.
    const audit = await portal.sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'student.read' AND msix_id = $1`,
      [anaId],
    );
    expect(audit.rows[0]!.n).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('shows a mistyped MSIX id next to its field, and refuses a form without its CSRF token', async () => {
    const page = await signIn(portal, 'Luis Ortega', '/portal/find');
    const swapped = `${anaId.slice(0, 10)}${anaId[11]}${anaId[10]}`;
    await page.getByLabel('MSIX id', { exact: true }).fill(anaId[10] === anaId[11] ? '123456789012' : swapped);
    await page.getByRole('button', { name: 'Open the record' }).click();
    await expect(page.locator('#f-msixId-error').textContent()).resolves.toMatch(/check digit|12 digits/);
    await expectAccessible(page);
    const forged = await page.request.post(`${portal.base}/portal/requests`, {
      form: { msixId: anaId, purpose: 'enrollment' },
      headers: { accept: 'text/html' },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('form has expired');
    // A record request's status part (htmx polls it): 204 while what the page shows has not moved, the part if it has.
    await page.goto(`${portal.base}/portal/students/${anaId}`);
    await page.getByLabel('Purpose', { exact: true }).selectOption('enrollment');
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.waitForURL((u) => /^\/portal\/requests\/[0-9a-f-]{36}$/.test(u.pathname));
    const asked = { id: new URL(page.url()).pathname.split('/').at(-1)! };
    const part = `${portal.base}/portal/requests/${asked.id}?part=status`;
    const seen = seenOf((await getRequest(portal.sys.db, asked.id))!);
    expect((await page.request.get(`${part}&seen=${encodeURIComponent(seen)}`)).status()).toBe(204);
    const moved = await page.request.get(`${part}&seen=received`);
    expect(moved.status()).toBe(200);
    expect(await moved.text()).toContain('id="request-status"');
    await page.close();
  });

  it('searches nationally by name and birth date, with purpose and attestation, and opens the choice', async () => {
    const page = await signIn(portal, 'Teresa Garza', '/portal/find');
    await page.getByLabel('First name', { exact: true }).fill('Ana Lucía');
    await page.getByLabel('Last name', { exact: true }).fill('Hernández Cruz');
    await page.getByLabel('Birth date', { exact: true }).fill('2007-05-14');
    await page.getByRole('button', { name: 'Search all states' }).click();
    // The purpose and the attestation are required: the server says so next to each.
    await expect(page.locator('#f-purpose-error').textContent()).resolves.toContain('why');
    await expect(page.locator('#f-attestation-error').textContent()).resolves.toContain('Attest');
    await expectAccessible(page);
    await page.getByLabel('Purpose of this search').selectOption('enrollment');
    // USWDS styles the label and hides the radio itself, as a person sees it: click the label.
    await page.getByText('The child is enrolling with my school now').click();
    await page.getByRole('button', { name: 'Search all states' }).click();
    await page.getByRole('heading', { name: 'Search results' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'counselor-search');
    await page.getByRole('button', { name: 'This is the child: open the record' }).click();
    await page.waitForURL((u) => u.pathname === `/portal/students/${anaId}`);
    await page.close();
  });
  it("sends a departure notice from the record page, checked with the API's schema", async () => {
    const tx = (await findStateRecord(portal.sys.db, 'TX', 'TX0048213'))!;
    const msixId = await eventually(() => studentOfRecord(portal.sys.db, tx.id));
    const page = await signIn(portal, 'Teresa Garza', `/portal/students/${msixId}`);
    await page.getByRole('link', { name: 'Send a departure notice' }).click();
    await page.getByLabel('State the child goes to').fill('Michigan');
    await page.getByRole('button', { name: 'Send the notice' }).click();
    await expect(page.locator('#f-toState-error').count()).resolves.toBe(1);
    await expectAccessible(page);
    await page.getByLabel('State the child goes to').fill('MI');
    await page.getByRole('button', { name: 'Send the notice' }).click();
    await expect(page.getByTestId('departure').textContent()).resolves.toContain(
      `MI is told that MSIX ${msixId} is on the way from TX`,
    );
    const n = await portal.sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM move_notices WHERE kind = 'departure' AND msix_id = $1 AND to_state = 'MI'`,
      [msixId],
    );
    expect(n.rows[0]!.n).toBe(1);
    await page.close();
  });
});
