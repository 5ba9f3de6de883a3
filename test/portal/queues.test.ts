import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from '../support/browser.js';

/** The BullMQ board (issue 14 item 7): the national administrator opens it from the menu; nobody else may. */
let portal: Portal;
beforeAll(async () => {
  portal = await startPortal();
});
afterAll(async () => {
  await portal?.close();
});

describe('queue board', () => {
  it("shows the gateway's queues to the national administrator and refuses the help desk", async () => {
    const page = await signIn(portal, 'Alex Reyes', '/portal');
    await page.getByRole('link', { name: 'Queues' }).first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/admin/queues'));
    await page.getByText('match', { exact: true }).first().waitFor();
    const api = await page.request.get(`${portal.base}/admin/queues/api/queues`);
    expect(api.status()).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['batch', 'deliver', 'ingest', 'maintenance', 'match']);
    await screenshot(page, 'admin-queues');
    await page.close();

    const desk = await signIn(portal, 'Hana Park', '/portal');
    expect((await desk.goto(`${portal.base}/admin/queues`))?.status()).toBe(403);
    expect((await desk.request.get(`${portal.base}/admin/queues/api/queues`)).status()).toBe(403);
    await desk.close();
  });
});
