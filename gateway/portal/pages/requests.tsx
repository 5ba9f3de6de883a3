import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  FINAL_REQUEST,
  readRequest,
  countRequestsSeen,
  searchRequests,
  type RecordRequest,
} from '../../../core/exchange/requests/requests.js';
import { scopeOf } from '../../plugins/auth.js';
import { IdParam } from '../../schemas.js';
import { DataTable, Page, renderPart, sendPage, formatTime } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';
import { PageQuery, PageStatus, Pagination, pageHref, pageCaption, paged, toLastPage } from '../paging.js';

const STATUS_TEXT: Record<string, string> = {
  received: 'Received',
  routed: 'Sent to the states',
  waiting: 'Waiting for states to answer',
  answered: 'Answered',
  partly_answered: 'Partly answered',
  expired: 'Expired before every state answered',
  failed: 'Failed',
};
const statusText = (s: string) => STATUS_TEXT[s] ?? s;

/** What a person sees of a request's progress: its status and each state's. The part is swapped only when it moves. */
export const seenOf = (r: RecordRequest): string =>
  [r.status, ...r.sources.map((s) => `${s.stateCode}:${s.status}`)].join(' ');

/**
 * A request's status and the answer of each state; asks every 2 s (htmx) until the request is final. Each poll says
 * what the page shows (`seen`), and the gateway answers 204 (htmx swaps nothing) unless it moved: a screen reader is
 * not read the same table every 2 s, and nothing on the page is replaced under the person. What changed is said once
 * through the page's stable live region (`#request-announce`, filled by static/portal.js after a swap).
 */
function RequestStatus(p: { r: RecordRequest; mayOpen: boolean }) {
  const r = p.r;
  const final = FINAL_REQUEST.has(r.status);
  const self = `${PAGES.requests.href}/${r.id}`;
  return (
    <div
      id="request-status"
      hx-get={final ? undefined : `${self}?part=status`}
      hx-trigger={final ? undefined : 'every 2s'}
      hx-vals={final ? undefined : JSON.stringify({ seen: seenOf(r) })}
      hx-swap="outerHTML"
    >
      <p>
        Status: <strong data-testid="request-status">{statusText(r.status)}</strong>
        {r.reason ? ` (${r.reason})` : ''}
      </p>
      {r.msixId && p.mayOpen && (r.status === 'answered' || r.status === 'partly_answered') ? (
        <p>
          <a class="usa-button" href={`/portal/students/${r.msixId}`}>
            Open the consolidated record
          </a>
        </p>
      ) : null}
      <DataTable
        caption="Answers by state"
        head={['State', 'How', 'Status', 'Answered']}
        empty="No state asked yet."
        rows={r.sources.map((s) => (
          <tr>
            <td>{s.stateCode}</td>
            <td>{s.mode === 'live' ? 'asked live' : 'from the exchange'}</td>
            <td>{s.status}</td>
            <td>{s.answeredAt ?? ''}</td>
          </tr>
        ))}
      />
    </div>
  );
}

/** Record requests: the list of a state's requests, and one request's status (no student data on either). */
export const requestPages: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    PAGES.requests.href,
    {
      config: { access: { roles: PAGES.requests.roles, stateQuery: 'state', crossState: ['admin'] } },
      schema: {
        hide: true,
        querystring: Type.Object({ state: Type.Optional(Type.String({ maxLength: 2 })), ...PageQuery }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const state = request.query.state?.toUpperCase();
      const filter = state ? { requestingState: state } : {};
      const count = await countRequestsSeen(db, scopeOf(request), filter);
      const at = paged(request.query.page, count);
      if (!at) return toLastPage(reply, PAGES.requests.href, request.query, count);
      const items = await searchRequests(db, scopeOf(request), { ...filter, limit: at.size, offset: at.offset });
      return sendPage(
        reply,
        <Page title="Record requests" viewer={viewer} path={PAGES.requests.href}>
          <h1>Record requests</h1>
          <p>
            <a href={PAGES.find.href}>Find a student or ask for records</a>
          </p>
          <PageStatus paged={at} shown={items.length} noun="requests" one="request" />
          <DataTable
            caption={`Newest first${viewer.state ? `, asked by ${viewer.state}` : ''}${pageCaption(at)}`}
            head={['Asked', 'By', 'Lookup', 'Purpose', 'Status']}
            empty="No record request yet. Find a student first; from their record you can ask other states for theirs."
            rows={items.map((r) => (
              <tr>
                <td>
                  <a href={`${PAGES.requests.href}/${r.id}`}>{formatTime(r.createdAt)}</a>
                </td>
                <td>{r.requestingState}</td>
                <td>{r.lookup === 'msix-id' ? `MSIX id ${r.msixId}` : 'name and birth date'}</td>
                <td>{r.purpose}</td>
                <td>{statusText(r.status)}</td>
              </tr>
            ))}
          />
          <Pagination
            paged={at}
            shown={items.length}
            noun="requests"
            href={(n) => pageHref(PAGES.requests.href, request.query, n)}
          />
        </Page>,
      );
    },
  );

  app.get(
    `${PAGES.requests.href}/:id`,
    {
      // The same roles as GET /api/v1/record-requests/{id}: the status carries no student data.
      config: { access: { roles: ['state-system', 'counselor', 'data-admin', 'help-desk', 'admin'] } },
      schema: {
        hide: true,
        params: IdParam,
        querystring: Type.Object({
          part: Type.Optional(Type.Literal('status')),
          seen: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const r = await readRequest(db, scopeOf(request), request.params.id);
      const mayOpen = viewer.roles.some((x) => ['counselor', 'data-admin', 'admin'].includes(x));
      if (request.query.part === 'status' && request.query.seen === seenOf(r))
        return reply.code(204).header('cache-control', 'no-store').send();
      if (request.query.part === 'status')
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(renderPart(<RequestStatus r={r} mayOpen={mayOpen} />));
      return sendPage(
        reply,
        <Page title="Record request" viewer={viewer} path={PAGES.requests.href}>
          <h1>Record request</h1>
          <p class="usa-intro">
            {`Asked by ${r.requestingState} on ${formatTime(r.createdAt)} for `}
            {r.lookup === 'msix-id' ? `MSIX id ${r.msixId}` : 'a child by name and birth date'}
            {`. Purpose: ${r.purpose}. Answer due by ${formatTime(r.deadlineAt)}.`}
          </p>
          <RequestStatus r={r} mayOpen={mayOpen} />
          <p id="request-announce" class="usa-sr-only" aria-live="polite" />
          <p>
            <a href={PAGES.requests.href}>All record requests</a>
          </p>
        </Page>,
      );
    },
  );
};
