import { cloneElement, isValidElement, toChildArray, type ComponentChildren, type VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { FastifyReply } from 'fastify';
import type { Role } from '../../core/principal.js';
import { ASSETS } from './assets.js';
import { menuEntries, type MenuEntry } from './menu.js';

/** Who is looking at a page: what the header shows and what the menu offers. */
export interface Viewer {
  name: string | null;
  subject: string;
  state: string | null;
  roles: readonly Role[];
  /** The CSRF token every form on the page carries. */
  csrf: string;
}

const ROLE_NAMES: Record<Role, string> = {
  counselor: 'Counselor / registrar',
  'data-admin': 'State data administrator',
  'help-desk': 'Help desk',
  federal: 'Federal reporting',
  admin: 'National administrator',
  'state-system': 'State system operator',
};
export const roleName = (r: Role): string => ROLE_NAMES[r];

/**
 * How every page writes a moment: in UTC to the minute (`2026-12-03 14:32 UTC`), the same for a counselor in Texas
 * and the help desk in Washington, and short enough for a table cell. Empty for no moment.
 */
export function formatTime(at: string | Date | null | undefined): string {
  if (!at) return '';
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The CSRF token as a hidden field: every state-changing form includes it. */
export const Csrf = (p: { viewer: Viewer }) => <input type="hidden" name="_csrf" value={p.viewer.csrf} />;

/** The USWDS frame of every page: official-site banner, header with the role's menu, main, footer. */
export function Page(p: { title: string; viewer: Viewer | null; path?: string; children: ComponentChildren }) {
  const v = p.viewer;
  const menu = v ? menuEntries(v.roles) : [];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · MSIX gateway`}</title>
        <link rel="icon" href={ASSETS.favicon} />
        <link rel="stylesheet" href={ASSETS.css} />
        <link rel="stylesheet" href={ASSETS.portalCss} />
        <script src={ASSETS.js} defer />
        <script src={ASSETS.htmx} defer />
        <script src={ASSETS.portalJs} defer />
      </head>
      <body hx-headers={v ? JSON.stringify({ 'csrf-token': v.csrf }) : undefined}>
        <a class="usa-skipnav" href="#main-content">
          Skip to main content
        </a>
        <section class="usa-banner" aria-label="Official website of the United States government">
          <div class="usa-banner__header">
            <div class="usa-banner__inner">
              <p class="usa-banner__header-text">
                A demonstration of a migrant student record exchange. Student data here is fictional.
              </p>
            </div>
          </div>
        </section>
        <header class="usa-header usa-header--basic">
          <div class="usa-nav-container">
            <div class="usa-navbar">
              <div class="usa-logo">
                <em class="usa-logo__text">
                  <a href="/portal" title="Home">
                    MSIX gateway
                  </a>
                </em>
              </div>
              {v ? (
                <button type="button" class="usa-menu-btn">
                  Menu
                </button>
              ) : null}
            </div>
            {v ? (
              <nav aria-label="Primary navigation" class="usa-nav">
                <button type="button" class="usa-nav__close">
                  Close
                </button>
                <ul class="usa-nav__primary usa-accordion">
                  {menu.map((m, i) => (
                    <MenuItem entry={m} path={p.path} id={`nav-group-${i}`} />
                  ))}
                </ul>
                <div class="usa-nav__secondary portal-user">
                  <p class="margin-y-05">
                    <span data-testid="viewer-name">{v.name ?? v.subject}</span>
                    {' · '}
                    {v.roles.map(roleName).join(', ')}
                    {' · '}
                    {v.state ? `State ${v.state}` : 'National'}
                  </p>
                  <form method="post" action="/auth/logout">
                    <Csrf viewer={v} />
                    <button type="submit" class="usa-button usa-button--outline usa-button--unstyled">
                      Sign out
                    </button>
                  </form>
                </div>
              </nav>
            ) : null}
          </div>
        </header>
        <main id="main-content" class="grid-container padding-y-4">
          {p.children}
        </main>
        <footer class="usa-footer usa-footer--slim">
          <div class="grid-container padding-y-2 portal-muted">
            Migrant student record exchange gateway · <a href="/docs">API documentation</a>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** One entry of the header's menu: a link, or a USWDS dropdown (accordion button and submenu) of a group. */
function MenuItem(p: { entry: MenuEntry; path: string | undefined; id: string }) {
  const e = p.entry;
  if (e.kind === 'page') {
    const here = p.path === e.page.href;
    return (
      <li class="usa-nav__primary-item">
        <a
          class={`usa-nav-link${here ? ' usa-current' : ''}`}
          href={e.page.href}
          aria-current={here ? 'page' : undefined}
        >
          <span>{e.page.label}</span>
        </a>
      </li>
    );
  }
  const within = e.pages.some((page) => page.href === p.path);
  return (
    <li class="usa-nav__primary-item">
      <button
        type="button"
        class={`usa-accordion__button usa-nav__link${within ? ' usa-current' : ''}`}
        aria-expanded="false"
        aria-controls={p.id}
      >
        <span>{e.label}</span>
      </button>
      <ul id={p.id} class="usa-nav__submenu" hidden>
        {e.pages.map((page) => (
          <li class="usa-nav__submenu-item">
            <a href={page.href} aria-current={page.href === p.path ? 'page' : undefined}>
              <span>{page.label}</span>
            </a>
          </li>
        ))}
      </ul>
    </li>
  );
}

/** Renders a page with its doctype. */
export function html(vnode: VNode): string {
  return `<!doctype html>${render(vnode)}`;
}

/** Renders part of a page (what htmx swaps in). */
export function renderPart(vnode: VNode): string {
  return render(vnode);
}

/** Sends a rendered page. Pages with student or exchange data are never stored by a browser or proxy. */
export function sendPage(reply: FastifyReply, vnode: VNode, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html(vnode));
}

/** An error message box (USWDS alert). */
export function Alert(p: {
  kind: 'error' | 'warning' | 'success' | 'info';
  heading?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={`usa-alert usa-alert--${p.kind}`} role={p.kind === 'error' ? 'alert' : 'status'}>
      <div class="usa-alert__body">
        {p.heading ? <h2 class="usa-alert__heading">{p.heading}</h2> : null}
        <div class="usa-alert__text">{p.children}</div>
      </div>
    </div>
  );
}

/**
 * The filter form of every list page: a GET form whose fields sit side by side (three to a row on a tablet and
 * wider), then its submit button. Each child is one field.
 */
export function FilterForm(p: { action: string; submit?: string; children: ComponentChildren }) {
  const fields = Array.isArray(p.children) ? p.children : [p.children];
  return (
    <form method="get" action={p.action} class="usa-form usa-form--large portal-noprint">
      <div class="grid-row grid-gap">
        {fields.map((f) => (
          <div class="tablet:grid-col-4">{f}</div>
        ))}
      </div>
      <button class="usa-button" type="submit">
        {p.submit ?? 'Search'}
      </button>
    </form>
  );
}

/** A row whose cells carry their column's header as `data-label`, which a stacked table shows beside each value. */
function labelled(row: VNode, head: readonly string[]): VNode {
  const cells = toChildArray((row.props as { children?: ComponentChildren }).children);
  return cloneElement(
    row,
    {},
    ...cells.map((c, i) => (isValidElement(c) && head[i] ? cloneElement(c, { 'data-label': head[i] }) : c)),
  );
}

/**
 * The table of every list page: a caption, column headers, the rows (each a `<tr>`), and a one-cell row saying so
 * when there are none. Wide tables either scroll inside a focusable frame, so a keyboard can scroll them too, or
 * (`stacked`, USWDS's stacked table) wrap their cells and, on a phone, show each row as a block of labelled lines.
 */
export function DataTable(p: {
  caption: string;
  head: readonly string[];
  empty: string;
  rows: readonly VNode[];
  scroll?: boolean;
  stacked?: boolean;
  testid?: string;
  id?: string | undefined;
}) {
  const table = (
    <table
      class={`usa-table usa-table--striped usa-table--compact${p.stacked ? ' usa-table--stacked' : ''}`}
      id={p.id}
      data-testid={p.testid}
    >
      <caption>{p.caption}</caption>
      <thead>
        <tr>
          {p.head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {p.rows.length === 0 ? (
          <tr>
            <td colSpan={p.head.length}>{p.empty}</td>
          </tr>
        ) : p.stacked ? (
          p.rows.map((r) => labelled(r, p.head))
        ) : (
          p.rows
        )}
      </tbody>
    </table>
  );
  return p.scroll ? (
    <div class="usa-table-container--scrollable" tabindex={0}>
      {table}
    </div>
  ) : (
    table
  );
}
