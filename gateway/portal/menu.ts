import type { Role } from '../../core/principal.js';

/** One page of the portal: where it is, what it is called, and the roles its route admits. */
export interface PortalPage {
  href: string;
  label: string;
  summary: string;
  roles: readonly Role[];
  /** The menu's group for it (a dropdown when a person's menu is long): pages used together share one. */
  group: string;
}

/**
 * The portal's pages. Each page's route declares `access: { roles: PAGES.x.roles }`, so the menu a person sees
 * and what the gateway lets them open come from the same list.
 */
export const PAGES = {
  home: {
    href: '/portal',
    label: 'Home',
    summary: 'Your role and what you may do.',
    roles: ['counselor', 'data-admin', 'help-desk', 'federal', 'admin', 'state-system'],
    group: 'Home',
  },
  find: {
    href: '/portal/find',
    label: 'Find a student',
    summary: "By MSIX id, your state's student id, or name and birth date (a record request with its purpose).",
    roles: ['counselor', 'data-admin', 'admin'],
    group: 'Students',
  },
  requests: {
    href: '/portal/requests',
    label: 'Record requests',
    summary: 'Records your state asked other states for, and where each request stands.',
    roles: ['counselor', 'data-admin', 'admin'],
    group: 'Students',
  },
  status: {
    href: '/portal/status',
    label: 'Status board',
    summary: 'Every state at a glance: submissions, rejections, deliveries pending, late and dead, alerts, queues.',
    roles: ['help-desk', 'admin'],
    group: 'Help desk',
  },
  deliveries: {
    href: '/portal/deliveries',
    label: 'Deliveries',
    summary: 'Messages to the states: find a failed delivery by MSIX id or state, retry it.',
    roles: ['help-desk', 'admin'],
    group: 'Help desk',
  },
  ledger: {
    href: '/portal/ledger',
    label: 'Ledger',
    summary: 'Every exchange by state, status and kind, with its timeline (student data masked).',
    roles: ['help-desk', 'admin'],
    group: 'Help desk',
  },
  worklist: {
    href: '/portal/worklist',
    label: 'Near matches',
    summary: 'Records the engine could not place alone: compare them side by side and decide.',
    roles: ['data-admin', 'admin'],
    group: 'Matching',
  },
  merges: {
    href: '/portal/merges',
    label: 'Merges and splits',
    summary: 'Merge two students or split records off one; a second administrator approves.',
    roles: ['data-admin', 'admin'],
    group: 'Matching',
  },
  queues: {
    href: '/admin/queues',
    label: 'Queues',
    summary: 'The job queues (BullMQ board): waiting, failed and finished jobs; retry or remove them.',
    roles: ['admin'],
    group: 'Queues',
  },
  reports: {
    href: '/portal/reports',
    label: 'Reports',
    summary:
      'Child counts, mobility between states, data quality, worklist aging and deadlines met by state and period ' +
      '(cells under 5 children suppressed), as pages, JSON and CSV.',
    roles: ['federal', 'admin', 'data-admin'],
    group: 'Reports',
  },
} as const satisfies Record<string, PortalPage>;

/** The menu of a person with these roles: every page (but home) that one of the roles may open. */
export function menuFor(roles: readonly Role[]): PortalPage[] {
  return Object.values(PAGES as Record<string, PortalPage>).filter(
    (p) => p.href !== PAGES.home.href && p.roles.some((r) => roles.includes(r)),
  );
}

/** A menu of more pages than this shows groups (dropdowns) instead, so the labels fit one line at 1280 px. */
const FLAT_MENU_MAX = 5;

/** One entry of the header's menu: a page, or a group of pages opened as a dropdown. */
export type MenuEntry = { kind: 'page'; page: PortalPage } | { kind: 'group'; label: string; pages: PortalPage[] };

/**
 * The header's menu for these roles: the pages of menuFor as they are when they are few, else by group, a group
 * of one page being that page (so the national administrator's nine pages fit one line in five entries).
 */
export function menuEntries(roles: readonly Role[]): MenuEntry[] {
  const pages = menuFor(roles);
  if (pages.length <= FLAT_MENU_MAX) return pages.map((page) => ({ kind: 'page', page }));
  const groups = new Map<string, PortalPage[]>();
  for (const p of pages) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  return [...groups].map(([label, list]) =>
    list.length === 1 ? { kind: 'page', page: list[0]! } : { kind: 'group', label, pages: list },
  );
}
