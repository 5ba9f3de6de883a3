import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { MAX_OFFSET, type Counted } from '../../core/paging.js';

/**
 * How many rows one page of a portal list shows: a screenful on a laptop, and a page that stays far under the 200 kB
 * budget on a slow school connection whatever the rows hold. Fixed, so a link to page 3 shows the same rows to
 * everyone it is sent to.
 */
export const PORTAL_PAGE_SIZE = 25;

/** The highest page a portal list opens: past it the offset would leave the bounds every list surface shares. */
const MAX_PAGE = Math.floor(MAX_OFFSET / PORTAL_PAGE_SIZE);

/** The `page` query parameter of every paged portal list (checked leniently: a page is a link, not a form field). */
export const PageQuery = { page: Type.Optional(Type.String({ maxLength: 12 })) };

/** Where a list stands: the page shown (from 1), the rows skipped before it, and the list's size as counted. */
export interface Paged {
  page: number;
  offset: number;
  size: number;
  count: Counted;
}

/** The page a `page` parameter asks for: a whole number from 1; anything else (empty, 0, "abc") is the first. */
export function askedPage(raw: string | undefined): number {
  const n = raw && /^\d{1,12}$/.test(raw) ? Number(raw) : 1;
  return Math.min(Math.max(n, 1), MAX_PAGE);
}

/** How many pages a count fills (at least one, so an empty list is "page 1 of 1"). */
export const pagesOf = (c: Counted): number => Math.max(1, Math.ceil(c.total / PORTAL_PAGE_SIZE));

/**
 * Where a list stands for a `page` parameter and its count, or null when the page is past the last one (a link
 * kept after the list shrank): the caller then sends the person to the last page instead.
 */
export function paged(raw: string | undefined, count: Counted): Paged | null {
  const page = askedPage(raw);
  if (!count.capped && page > pagesOf(count)) return null;
  return { page, offset: (page - 1) * PORTAL_PAGE_SIZE, size: PORTAL_PAGE_SIZE, count };
}

/**
 * The URL of page `page` of a list: its path and query as asked, with `page` set (and left out for the first, so the
 * list's plain URL is page 1). One-off notices (`drop`: "delivery … is queued", "review decided") are not carried
 * to other pages.
 */
export function pageHref(
  path: string,
  query: Record<string, unknown>,
  page: number,
  drop: readonly string[] = [],
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (typeof v === 'string' && v !== '' && k !== 'page' && !drop.includes(k)) q.set(k, v);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Sends a person who asked for a page past the end of a list to its last page (303, the URL then says where). */
export function toLastPage(
  reply: FastifyReply,
  path: string,
  query: Record<string, unknown>,
  count: Counted,
): FastifyReply {
  return reply.redirect(pageHref(path, query, pagesOf(count)), 303);
}

/** "Page 2 of 7" (or "of more than 400" when the count stopped at its cap). */
export function pageText(p: Paged): string {
  return p.count.capped ? `Page ${p.page} of more than ${pagesOf(p.count)}` : `Page ${p.page} of ${pagesOf(p.count)}`;
}

/** "26–50 of 163 exchanges" (what the rows on the page are, for the line above the table). */
function rangeText(p: Paged, shown: number, noun: string): string {
  const first = p.offset + 1;
  const last = p.offset + shown;
  const of = p.count.capped
    ? `more than ${p.count.total.toLocaleString('en-US')}`
    : p.count.total.toLocaleString('en-US');
  return `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${of} ${noun}`;
}

/**
 * The pages of a list shown around the current one: first, last, and the current with a neighbour on each side,
 * gaps as null (USWDS's overflow "…"). At most seven slots, so the bar fits a phone.
 */
export function pageSlots(page: number, last: number | null): (number | null)[] {
  const end = last ?? page + 1;
  const wanted = new Set([1, page - 1, page, page + 1, ...(last ? [last] : [])]);
  if (page <= 4) for (let i = 1; i <= Math.min(5, end); i++) wanted.add(i);
  if (last && page >= last - 3) for (let i = Math.max(1, last - 4); i <= last; i++) wanted.add(i);
  const nums = [...wanted].filter((n) => n >= 1 && n <= end).sort((a, b) => a - b);
  const out: (number | null)[] = [];
  for (const n of nums) {
    const prev = out.at(-1);
    if (typeof prev === 'number' && n > prev + 1) out.push(null);
    out.push(n);
  }
  if (!last) out.push(null);
  return out;
}

/**
 * The line above a list that says where it stands: "Page 2 of 7 · 26–50 of 163 exchanges", or just "6 deliveries"
 * when they fit one page; nothing for an empty list (its table says why it is empty and what to do).
 */
export function PageStatus(p: { paged: Paged; shown: number; noun: string; one?: string }) {
  const { count } = p.paged;
  if (count.total === 0) return null;
  const single = !count.capped && pagesOf(count) === 1;
  return (
    <p class="portal-paging margin-bottom-1" data-testid="page-status">
      {single
        ? `${count.total} ${count.total === 1 && p.one ? p.one : p.noun}`
        : `${pageText(p.paged)} · ${rangeText(p.paged, p.shown, p.noun)}`}
    </p>
  );
}

/** What a table's caption adds about the page: " (page 2 of 7)", nothing when the list fits one page. */
export function pageCaption(p: Paged): string {
  return !p.count.capped && pagesOf(p.count) === 1 ? '' : ` (${pageText(p).toLowerCase()})`;
}

/**
 * USWDS's pagination bar below a list of more than one page: previous, numbered pages (each labelled "Page n", the
 * current one `aria-current="page"`), next. Plain links: the position is in the URL, so back, reload and a shared
 * link keep it. Nothing for a list that fits one page.
 */
export function Pagination(p: { paged: Paged; shown: number; noun: string; href: (page: number) => string }) {
  const { page, count } = p.paged;
  const last = count.capped ? null : pagesOf(count);
  if (last === 1) return null;
  const hasNext = last === null ? p.shown === p.paged.size : page < last;
  return (
    <nav aria-label={`Pages of ${p.noun}`} class="usa-pagination portal-noprint">
      <ul class="usa-pagination__list">
        {page > 1 ? (
          <li class="usa-pagination__item usa-pagination__arrow">
            <a
              href={p.href(page - 1)}
              class="usa-pagination__link usa-pagination__previous-page"
              aria-label="Previous page"
              rel="prev"
            >
              <span class="usa-pagination__link-text">‹ Previous</span>
            </a>
          </li>
        ) : null}
        {pageSlots(page, last).map((n) =>
          n === null ? (
            <li class="usa-pagination__item usa-pagination__overflow">
              <span aria-hidden="true">…</span>
            </li>
          ) : (
            <li class="usa-pagination__item usa-pagination__page-no">
              <a
                href={p.href(n)}
                class={`usa-pagination__button${n === page ? ' usa-current' : ''}`}
                aria-label={n === last ? `Last page, page ${n}` : `Page ${n}`}
                aria-current={n === page ? 'page' : undefined}
              >
                {n}
              </a>
            </li>
          ),
        )}
        {hasNext ? (
          <li class="usa-pagination__item usa-pagination__arrow">
            <a
              href={p.href(page + 1)}
              class="usa-pagination__link usa-pagination__next-page"
              aria-label="Next page"
              rel="next"
            >
              <span class="usa-pagination__link-text">Next ›</span>
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}
