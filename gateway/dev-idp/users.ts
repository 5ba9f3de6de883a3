import type { Role } from '../../core/principal.js';

/**
 * Demo people, one per role (two counselors in different states, to show the
 * disclosure rule). deploy/keycloak/realm-export.json holds the same users,
 * so the demo behaves the same on the development provider and on Keycloak.
 */
export interface DemoUser {
  sub: string;
  username: string;
  name: string;
  email: string;
  state: string | null;
  roles: Role[];
  /** Shown in the user picker. */
  title: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    sub: 'b0c1e3a2-0001-4000-8000-000000000001',
    username: 'tx.counselor',
    name: 'Teresa Garza',
    email: 'tx.counselor@example.org',
    state: 'TX',
    roles: ['counselor'],
    title: 'School counselor / registrar, Texas',
  },
  {
    sub: 'b0c1e3a2-0002-4000-8000-000000000002',
    username: 'fl.counselor',
    name: 'Luis Ortega',
    email: 'fl.counselor@example.org',
    state: 'FL',
    roles: ['counselor'],
    title: 'School counselor / registrar, Florida',
  },
  {
    sub: 'b0c1e3a2-0003-4000-8000-000000000003',
    username: 'tx.dataadmin',
    name: 'Dana Whitfield',
    email: 'tx.dataadmin@example.org',
    state: 'TX',
    roles: ['data-admin'],
    title: 'State MEP data administrator, Texas',
  },
  {
    sub: 'b0c1e3a2-0004-4000-8000-000000000004',
    username: 'tx.system',
    name: 'Texas MSIX integration',
    email: 'tx.system@example.org',
    state: 'TX',
    roles: ['state-system'],
    title: 'State system operator, Texas (acts as the state system)',
  },
  {
    sub: 'b0c1e3a2-0005-4000-8000-000000000005',
    username: 'helpdesk',
    name: 'Hana Park',
    email: 'helpdesk@example.org',
    state: null,
    roles: ['help-desk'],
    title: 'National help desk (no student names or birth dates)',
  },
  {
    sub: 'b0c1e3a2-0006-4000-8000-000000000006',
    username: 'federal',
    name: 'Frank Moreno',
    email: 'federal@example.org',
    state: null,
    roles: ['federal'],
    title: 'Office of Migrant Education reporting (aggregates only)',
  },
  {
    sub: 'b0c1e3a2-0007-4000-8000-000000000007',
    username: 'admin',
    name: 'Alex Reyes',
    email: 'admin@example.org',
    state: null,
    roles: ['admin'],
    title: 'National administrator',
  },
];
