import type { Db } from '../store/db.js';
import type { Role } from '../principal.js';
import { createClient, getClient, rotateClientSecret } from './clients.js';

/**
 * Machine clients for the demo in `npm start`: one state-system client per
 * demo state with a fixed id, and a fresh secret at every start (printed
 * once), so a persistent demo database never holds a secret anyone saw last week.
 */
export interface DemoClient {
  clientId: string;
  secret: string;
  state: string | null;
  roles: Role[];
}

export const DEMO_CLIENTS: { clientId: string; state: string | null; roles: Role[] }[] = [
  ...['TX', 'MI', 'FL', 'CA', 'WA'].map((s) => ({
    clientId: `demo_${s.toLowerCase()}_system`,
    state: s,
    roles: ['state-system'] as Role[],
  })),
  { clientId: 'demo_us_helpdesk', state: null, roles: ['help-desk'] },
  { clientId: 'demo_us_federal', state: null, roles: ['federal'] },
];

export async function ensureDemoClients(db: Db): Promise<DemoClient[]> {
  const out: DemoClient[] = [];
  for (const d of DEMO_CLIENTS) {
    if (await getClient(db, d.clientId)) {
      const r = await rotateClientSecret(db, d.clientId);
      if (r.kind === 'rotated') out.push({ ...d, secret: r.secret });
      continue;
    }
    const c = await createClient(db, {
      stateCode: d.state,
      roles: d.roles,
      name: `demo ${d.state ?? 'national'} ${d.roles.join('+')}`,
      clientId: d.clientId,
    });
    if (c.kind === 'created') out.push({ ...d, secret: c.secret });
  }
  return out;
}
