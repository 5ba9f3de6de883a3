import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../../core/errors.js';
import type { PairExplanation } from '../../../core/matching-store/explanation.js';
import {
  approveMergeRequest,
  createMergeRequest,
  getMergeRequest,
  listMergeRequests,
  MERGE_STATUSES,
  rejectMergeRequest,
  requestUndo,
  type MergeRequestView,
} from '../../../core/matching-store/merge-requests.js';
import { listReviews, type ReviewDetail, type ReviewSummary } from '../../../core/matching-store/reviews.js';
import { listState } from '../../../core/security/scope.js';
import { readStudent } from '../../../core/students.js';
import { type FieldIssue, createAjv, toFieldIssues } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../../plugins/auth.js';
import { auditUnseen, CreateBody, created, decided, mergeDeps, who } from '../../routes/matching-merges.js';
import { actingState, MATCHING_ACT } from '../../routes/matching-shared.js';
import { auditReviewRead, ResolveBody, resolveAsAsked, visibleReview } from '../../routes/matching-reviews.js';
import { IdParam } from '../../schemas.js';
import { Field, Select, fieldErrors, type FieldErrors } from '../forms.js';
import { Alert, Csrf, DataTable, FilterForm, Page, sendPage, type Viewer, formatTime } from '../html.js';
import { PageQuery, PageStatus, Pagination, pageHref, pageCaption, paged, toLastPage, type Paged } from '../paging.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';

const pct = (p: number) => `${Math.round(p * 100)}%`;

const REASON_TEXT: Record<string, string> = {
  'near-match': 'Close to one student, not close enough to link on its own',
  conflict: 'Close enough to link, but a field disagrees (for example sex or birth date)',
  ambiguous: 'Close to more than one student',
};
const FIELD_TEXT: Record<string, string> = {
  given_name: 'Given names',
  surnames: 'Surnames',
  birth_date: 'Birth date',
  sex: 'Sex',
  birthplace: 'Birthplace',
  parents: 'Parents',
  parent_surnames: "Parents' surnames",
  state_student_id: 'State student id',
};
const fieldText = (f: string) => FIELD_TEXT[f] ?? f.replace(/_/g, ' ');
const levelText = (l: string | null) => (l ? l.replace(/-/g, ' ') : 'not compared');
const AGE_BANDS = [
  ['up to 7 days', 0, 7],
  ['8 to 30 days', 8, 30],
  ['over 30 days', 31, Number.POSITIVE_INFINITY],
] as const;

/** The score of one candidate explained field by field: both values side by side, the level, the weight. */
function Comparison(p: { pair: PairExplanation; state: string; caption: string }) {
  const decisive = [...p.pair.fields].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 3);
  return (
    <div class="usa-table-container--scrollable" tabindex={0}>
      <table class="usa-table usa-table--compact usa-table--borderless" data-testid="comparison">
        <caption>{p.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">This {p.state} record</th>
            <th scope="col">Candidate's record</th>
            <th scope="col">Agreement</th>
            <th scope="col">Weight</th>
          </tr>
        </thead>
        <tbody>
          {p.pair.fields.map((f) => (
            <tr>
              <th scope="row">
                {fieldText(f.field)}
                {decisive.includes(f) ? <span class="usa-tag margin-left-1">deciding</span> : null}
              </th>
              <td>{f.value ?? '(blank)'}</td>
              <td>{f.otherValue ?? '(blank)'}</td>
              <td>{levelText(f.level)}</td>
              <td>
                {f.weight > 0 ? 'for ' : f.weight < 0 ? 'against ' : ''}
                {f.weight.toFixed(1)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.pair.conflicts.length ? <p>Conflicts: {p.pair.conflicts.join(', ')}</p> : null}
    </div>
  );
}

function ReviewPage(p: { viewer: Viewer; r: ReviewDetail; mayAct: boolean }) {
  const r = p.r;
  const open = r.status === 'open';
  const title = `Near match: ${r.stateCode} record ${r.stateStudentId}`;
  const decide = `${PAGES.worklist.href}/${r.id}/decide`;
  return (
    <Page title={title} viewer={p.viewer} path={PAGES.worklist.href}>
      <h1>{title}</h1>
      <p class="usa-intro">
        {`${REASON_TEXT[r.reason] ?? r.reason}. Waiting ${r.ageDays} day${r.ageDays === 1 ? '' : 's'}; `}
        {`best match probability ${pct(r.bestProbability)} (rules ${r.rulesVersion}).`}
      </p>
      {open ? null : (
        <Alert kind="info" heading={`This review is ${r.status}`}>
          <p>
            {r.decision === 'same'
              ? `Decided: the same child as MSIX ${r.decidedMsixId ?? ''}`
              : r.decision === 'different'
                ? 'Decided: not a match'
                : (r.closedReason ?? '')}
            {r.decidedBy ? ` (by ${r.decidedBy}, ${formatTime(r.decidedAt)})` : ''}.
          </p>
        </Alert>
      )}
      {r.explanation.students.map((s) => (
        <section class="margin-top-4" aria-labelledby={`cand-${s.msixId}`}>
          <h2 id={`cand-${s.msixId}`}>
            Candidate MSIX {s.msixId}: {pct(s.bestProbability)}
          </h2>
          {s.best ? (
            <Comparison
              pair={s.best}
              state={r.stateCode}
              caption={`Field by field, this record against the closest record of MSIX ${s.msixId}`}
            />
          ) : (
            <p>No record of this student was compared.</p>
          )}
          <p>
            <a href={`/portal/students/${s.msixId}`}>Open the consolidated record of MSIX {s.msixId}</a>
          </p>
          {open && p.mayAct ? (
            <form method="post" action={decide} class="portal-noprint">
              <Csrf viewer={p.viewer} />
              <input type="hidden" name="decision" value="same" />
              <input type="hidden" name="msixId" value={s.msixId} />
              <input type="hidden" name="version" value={String(r.version)} />
              <button class="usa-button" type="submit">
                Link: the same child as MSIX {s.msixId}
              </button>
            </form>
          ) : null}
        </section>
      ))}
      {open && p.mayAct ? (
        <form method="post" action={decide} class="margin-top-4 portal-noprint">
          <Csrf viewer={p.viewer} />
          <input type="hidden" name="decision" value="different" />
          <input type="hidden" name="version" value={String(r.version)} />
          <button class="usa-button usa-button--secondary" type="submit">
            Not a match: keep apart
          </button>
          <p class="usa-hint">The record then gets a student of its own; the engine never links them again.</p>
        </form>
      ) : null}
      <p class="margin-top-4">
        <a href={PAGES.worklist.href}>Back to the worklist</a>
      </p>
    </Page>
  );
}

function Worklist(p: {
  viewer: Viewer;
  items: ReviewSummary[];
  at: Paged;
  /** How many of the listed reviews wait for each of AGE_BANDS (all pages, not just this one). */
  ages: readonly number[];
  status: string;
  href: (page: number) => string;
  decided?: { id: string; text: string } | undefined;
}) {
  return (
    <Page title="Near matches" viewer={p.viewer} path={PAGES.worklist.href}>
      <h1>Near-match worklist</h1>
      {p.decided ? (
        <Alert kind="success">
          <p>{p.decided.text}</p>
        </Alert>
      ) : null}
      <p>
        Records the engine could not place on its own{p.viewer.state ? `, from ${p.viewer.state}` : ''}. Oldest first:
        compare each with its candidates and decide.
      </p>
      <FilterForm action={PAGES.worklist.href} submit="Show">
        <Select
          name="status"
          label="Status"
          options={[
            ['open', 'Open'],
            ['resolved', 'Resolved'],
            ['closed', 'Closed'],
          ]}
          value={p.status}
        />
      </FilterForm>
      {p.at.count.total > 0 ? (
        <p data-testid="aging">
          {`${p.at.count.total} ${p.status}. Aging: `}
          {AGE_BANDS.map(([label], i) => `${i ? ', ' : ''}${p.ages[i] ?? 0} ${label}`)}.
        </p>
      ) : null}
      <PageStatus paged={p.at} shown={p.items.length} noun="near matches" one="near match" />
      <DataTable
        scroll
        caption={`Near matches, oldest first, no names here: open one to compare${pageCaption(p.at)}`}
        head={['Record', 'Waiting', 'Why', 'Best probability', 'Candidates']}
        empty={
          p.status === 'open'
            ? 'No near match is waiting: every record was placed on its own. New ones appear here as records arrive.'
            : `No ${p.status} near match yet. Choose "Open" to see those waiting for a decision.`
        }
        rows={p.items.map((r) => (
          <tr data-review={r.id}>
            <td>
              <a href={`${PAGES.worklist.href}/${r.id}`}>
                {r.stateCode} {r.stateStudentId}
              </a>
            </td>
            <td>{`${r.ageDays} d`}</td>
            <td>{r.reason}</td>
            <td>{pct(r.bestProbability)}</td>
            <td>{r.candidateMsixIds.join(', ')}</td>
          </tr>
        ))}
      />
      <Pagination paged={p.at} shown={p.items.length} noun="near matches" href={p.href} />
    </Page>
  );
}

const DONE_TEXT: Record<string, string> = {
  approved: 'Approved: the change is made.',
  rejected: 'Rejected: nothing changed and the students are unlocked.',
  asked: 'Sent: a second data administrator approves it.',
};

/** One page of merge requests, where it stands, and the URL of any other page. */
interface MergeList {
  items: MergeRequestView[];
  at: Paged;
  href: (page: number) => string;
}

function MergesPage(p: {
  viewer: Viewer;
  list: MergeList;
  status: string;
  values?: Record<string, string>;
  errors?: FieldErrors;
  notice?: string;
}) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  return (
    <Page title="Merges and splits" viewer={p.viewer} path={PAGES.merges.href}>
      <h1>Merges and splits</h1>
      {p.notice ? (
        <Alert kind="error" heading="Not sent">
          <p>{p.notice}</p>
        </Alert>
      ) : null}
      <p>
        A request takes effect when a second data administrator approves it; its students are locked meanwhile. An
        approved request can be undone the same way.
      </p>
      <div class="grid-row grid-gap">
        <div class="tablet:grid-col-6">
          <h2>Merge students</h2>
          <form method="post" action={PAGES.merges.href} class="usa-form">
            <Csrf viewer={p.viewer} />
            <input type="hidden" name="kind" value="merge" />
            <Field
              name="masterMsixId"
              label="MSIX id that stays"
              value={v.masterMsixId}
              error={e.masterMsixId}
              inputmode="numeric"
            />
            <Field
              name="mergedMsixIds"
              label="MSIX ids merged into it"
              hint="One or more, separated by spaces or commas"
              value={v.mergedMsixIds}
              error={e.mergedMsixIds}
            />
            <Field name="reason" label="Why" value={v.reason} error={e.reason} />
            <button class="usa-button" type="submit">
              Ask to merge
            </button>
          </form>
        </div>
        <div class="tablet:grid-col-6">
          <h2>Split records off a student</h2>
          <form method="get" action={`${PAGES.merges.href}/split`} class="usa-form">
            <Field name="msixId" label="MSIX id to split" value={v.msixId} error={e.msixId} inputmode="numeric" />
            <button class="usa-button usa-button--outline" type="submit">
              Choose records
            </button>
          </form>
        </div>
      </div>
      <h2 class="margin-top-4">Requests</h2>
      <FilterForm action={PAGES.merges.href} submit="Show">
        <Select
          name="status"
          label="Status"
          options={[['', 'Any status'], ...MERGE_STATUSES.map((s) => [s, s] as const)]}
          value={p.status}
        />
      </FilterForm>
      <PageStatus paged={p.list.at} shown={p.list.items.length} noun="requests" one="request" />
      <DataTable
        caption={`Merge, split and undo requests, newest first${pageCaption(p.list.at)}`}
        head={['Asked', 'Kind', 'Students', 'Status', 'Asked by']}
        empty={
          p.status
            ? `No ${p.status} request. Choose "Any status" to see all of them.`
            : 'No merge or split request yet. Ask for one with the forms above; a second administrator approves it.'
        }
        rows={p.list.items.map((m) => (
          <tr>
            <td>
              <a href={`${PAGES.merges.href}/${m.id}`}>{formatTime(m.requestedAt)}</a>
            </td>
            <td>{m.kind}</td>
            <td>{[m.masterMsixId, ...m.mergedMsixIds].join(', ')}</td>
            <td>{m.status}</td>
            <td>{m.requestedState ? `${m.requestedBy} (${m.requestedState})` : m.requestedBy}</td>
          </tr>
        ))}
      />
      <Pagination paged={p.list.at} shown={p.list.items.length} noun="requests" href={p.list.href} />
    </Page>
  );
}

function MergeRequestPage(p: { viewer: Viewer; m: MergeRequestView; done?: string | undefined }) {
  const m = p.m;
  const mine = m.requestedBy === p.viewer.subject;
  const base = `${PAGES.merges.href}/${m.id}`;
  const what =
    m.kind === 'merge'
      ? `Merge MSIX ${m.mergedMsixIds.join(', ')} into MSIX ${m.masterMsixId}`
      : m.kind === 'split'
        ? `Split ${m.recordIds.length} record${m.recordIds.length === 1 ? '' : 's'} off MSIX ${m.masterMsixId}`
        : `Undo request ${m.undoOf ?? ''}`;
  return (
    <Page title="Merge or split request" viewer={p.viewer} path={PAGES.merges.href}>
      <h1>{what}</h1>
      {p.done ? (
        <Alert kind="success">
          <p>{DONE_TEXT[p.done] ?? ''}</p>
        </Alert>
      ) : null}
      <ul class="usa-list">
        <li>
          Status: <strong data-testid="merge-status">{m.status}</strong>
        </li>
        <li>
          Asked by {m.requestedBy}
          {m.requestedState ? ` (${m.requestedState})` : ''} on {formatTime(m.requestedAt)}
        </li>
        {m.reason ? <li>Why: {m.reason}</li> : null}
        {m.decidedBy ? (
          <li>
            Decided by {m.decidedBy} on {formatTime(m.decidedAt)}
            {m.decisionNote ? `: ${m.decisionNote}` : ''}
          </li>
        ) : null}
        {m.newMsixId ? <li>The split-off records became MSIX {m.newMsixId}</li> : null}
        {m.recordIds.length ? <li>Records: {m.recordIds.join(', ')}</li> : null}
      </ul>
      <p>
        {[m.masterMsixId, ...m.mergedMsixIds, ...(m.newMsixId ? [m.newMsixId] : [])].map((id, i) => (
          <>
            {i ? ' · ' : ''}
            <a href={`/portal/students/${id}`}>MSIX {id}</a>
          </>
        ))}
      </p>
      {m.status === 'pending' ? (
        <div class="portal-noprint">
          {mine ? (
            <p>You asked for this: a different data administrator approves it. You may withdraw it.</p>
          ) : (
            <form method="post" action={`${base}/approve`} class="usa-form">
              <Csrf viewer={p.viewer} />
              <input type="hidden" name="version" value={String(m.version)} />
              <Field name="note" label="Note (optional)" />
              <button class="usa-button" type="submit">
                Approve
              </button>
            </form>
          )}
          <form method="post" action={`${base}/reject`} class="margin-top-2">
            <Csrf viewer={p.viewer} />
            <input type="hidden" name="version" value={String(m.version)} />
            <button class="usa-button usa-button--secondary" type="submit">
              {mine ? 'Withdraw' : 'Reject'}
            </button>
          </form>
        </div>
      ) : null}
      {m.status === 'approved' && m.kind !== 'undo' ? (
        <form method="post" action={`${base}/undo`} class="usa-form portal-noprint">
          <Csrf viewer={p.viewer} />
          <Field name="reason" label="Why undo" />
          <button class="usa-button usa-button--outline" type="submit">
            Ask to undo
          </button>
        </form>
      ) : null}
      <p class="margin-top-4">
        <a href={PAGES.merges.href}>All merge and split requests</a>
      </p>
    </Page>
  );
}

/** Form values to a merge-request body: ids split on spaces and commas; split records from `recordIds.<n>`. */
function mergeBodyOf(form: Record<string, string>): Record<string, unknown> {
  const ids = (s: string | undefined) => (s ?? '').split(/[\s,]+/).filter(Boolean);
  const reason = form.reason?.trim() ? { reason: form.reason.trim() } : {};
  if (form.kind === 'split')
    return {
      kind: 'split',
      msixId: form.msixId ?? '',
      recordIds: Object.entries(form)
        .filter(([k]) => k.startsWith('recordIds.'))
        .map(([, v]) => v),
      ...reason,
    };
  return { kind: 'merge', masterMsixId: form.masterMsixId ?? '', mergedMsixIds: ids(form.mergedMsixIds), ...reason };
}

/** An issue of a list item (`/mergedMsixIds/1`) belongs to the list's field. */
const listIssues = (issues: FieldIssue[]): FieldIssue[] =>
  issues.map((i) => ({ ...i, path: i.path.replace(/^\/(mergedMsixIds|recordIds)\/\d+$/, '/$1') }));

const versionOf = (form: Record<string, string>): number | null =>
  /^\d{1,9}$/.test(form.version ?? '') ? Number(form.version) : null;

/**
 * The data administrator's pages (issue 14 item 5): the near-match worklist with its aging, one review with the
 * candidates side by side and the score explained field by field, the decision (link or keep apart), and merge,
 * split and undo requests with the second approver's page. Each action goes through the same use case and the same
 * result mapping as the API's matching routes, so scope, locks, versions and audit are theirs.
 */
export const matchingPages: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;
  const ajv = createAjv();
  const checkResolve = ajv.compile(ResolveBody);
  const [mergeSchema, splitSchema] = CreateBody.anyOf;
  const checkMerge = ajv.compile(mergeSchema);
  const checkSplit = ajv.compile(splitSchema);
  const mayAct = (v: Viewer) => v.roles.some((r) => r === 'data-admin' || r === 'admin');

  app.get(
    PAGES.worklist.href,
    {
      config: { access: MATCHING_ACT },
      schema: {
        hide: true,
        querystring: Type.Object({
          status: Type.Optional(Type.String({ maxLength: 20 })),
          state: Type.Optional(Type.String({ maxLength: 2 })),
          decided: Type.Optional(Type.String({ maxLength: 40 })),
          outcome: Type.Optional(Type.String({ maxLength: 20 })),
          msixId: Type.Optional(Type.String({ maxLength: 12 })),
          ...PageQuery,
        }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const status = q.status === 'resolved' || q.status === 'closed' ? q.status : 'open';
      const state = q.state && /^[A-Za-z]{2}$/.test(q.state) ? q.state.toUpperCase() : undefined;
      const filter = { state: listState(scopeOf(request), state) ?? null, status } as const;
      // The counts first (the whole list and each age band), then the page asked for.
      const counts = await Promise.all(
        [[0, Number.POSITIVE_INFINITY] as const, ...AGE_BANDS.map(([, lo, hi]) => [lo, hi] as const)].map(
          async ([lo, hi]) =>
            (
              await listReviews(db, {
                ...filter,
                ...(lo > 0 ? { minAgeDays: lo } : {}),
                ...(Number.isFinite(hi) ? { maxAgeDays: hi } : {}),
                limit: 0,
                offset: 0,
              })
            ).total,
        ),
      );
      const count = { total: counts[0]!, capped: false };
      const at = paged(q.page, count);
      if (!at) return toLastPage(reply, PAGES.worklist.href, q, count);
      const page = await listReviews(db, { ...filter, limit: at.size, offset: at.offset });
      const outcome =
        q.outcome === 'linked'
          ? `linked to MSIX ${q.msixId ?? ''}`
          : q.outcome === 'new-student'
            ? `kept apart: the record is now MSIX ${q.msixId ?? ''}`
            : 'still waiting for a decision';
      return sendPage(
        reply,
        <Worklist
          viewer={viewerOf(request)}
          items={page.items}
          at={at}
          ages={counts.slice(1)}
          href={(n) => pageHref(PAGES.worklist.href, q, n, ['decided', 'outcome', 'msixId'])}
          status={status}
          decided={q.decided ? { id: q.decided, text: `Review decided: ${outcome}.` } : undefined}
        />,
      );
    },
  );

  app.get(
    `${PAGES.worklist.href}/:id`,
    { config: { access: { ...MATCHING_ACT, pii: true } }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const r = await visibleReview(app, request, request.params.id);
      await auditReviewRead(request, r);
      return sendPage(reply, <ReviewPage viewer={viewer} r={r} mayAct={mayAct(viewer)} />);
    },
  );

  app.post(
    `${PAGES.worklist.href}/:id/decide`,
    { config: { access: MATCHING_ACT }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      const body = { decision: form.decision, ...(form.msixId ? { msixId: form.msixId } : {}) };
      if (!checkResolve(body))
        throw new GatewayError('GW_ERR_VALIDATION', 'This decision form is not one the page sends.', {
          issues: toFieldIssues(checkResolve.errors, body),
        });
      const asked = body as { decision: 'same' | 'different'; msixId?: string };
      const res = await resolveAsAsked(app, request, request.params.id, asked, versionOf(form));
      const back = new URLSearchParams({
        decided: request.params.id,
        outcome: res.outcome,
        ...(res.msixId ? { msixId: res.msixId } : {}),
      });
      return reply.redirect(`${PAGES.worklist.href}?${back}`, 303);
    },
  );

  /** One page of merge requests (the first unless asked), or null when the page asked for is past the last one. */
  const listMerges = async (
    request: FastifyRequest,
    status: string | undefined,
    page?: string,
  ): Promise<MergeList | null> => {
    const filter = {
      status: MERGE_STATUSES.find((s) => s === status),
      msixId: undefined,
      scopeState: actingState(request),
    };
    const { total } = await listMergeRequests(db, { ...filter, limit: 0, offset: 0 });
    const at = paged(page, { total, capped: false });
    if (!at) return null;
    const { items } = await listMergeRequests(db, { ...filter, limit: at.size, offset: at.offset });
    const query = status ? { status } : {};
    return { items, at, href: (n) => pageHref(PAGES.merges.href, query, n) };
  };

  app.get(
    PAGES.merges.href,
    {
      config: { access: MATCHING_ACT },
      schema: {
        hide: true,
        querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 20 })), ...PageQuery }),
      },
    },
    async (request, reply) => {
      const status = request.query.status ?? '';
      const list = await listMerges(request, status, request.query.page);
      if (!list) {
        const { total } = await listMergeRequests(db, {
          status: MERGE_STATUSES.find((s) => s === status),
          msixId: undefined,
          scopeState: actingState(request),
          limit: 0,
          offset: 0,
        });
        return toLastPage(reply, PAGES.merges.href, request.query, { total, capped: false });
      }
      return sendPage(reply, <MergesPage viewer={viewerOf(request)} list={list} status={status} />);
    },
  );

  app.get(
    `${PAGES.merges.href}/split`,
    {
      config: { access: { ...MATCHING_ACT, pii: true } },
      schema: { hide: true, querystring: Type.Object({ msixId: Type.Optional(Type.String({ maxLength: 20 })) }) },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const msixId = (request.query.msixId ?? '').replace(/\D/g, '');
      if (msixId.length !== 12)
        return sendPage(
          reply,
          <MergesPage
            viewer={viewer}
            list={(await listMerges(request, undefined))!}
            status=""
            values={{ msixId: request.query.msixId ?? '' }}
            errors={{ msixId: 'An MSIX id has 12 digits.' }}
          />,
          400,
        );
      const read = await readStudent(db, scopeOf(request), msixId, { purpose: 'split' });
      if (read.kind === 'merged')
        throw new GatewayError('GW_ERR_CONFLICT', `MSIX ${msixId} was merged into ${read.into}; split that student.`);
      const records = read.student.records;
      return sendPage(
        reply,
        <Page title="Split records" viewer={viewer} path={PAGES.merges.href}>
          <h1>Split records off MSIX {msixId}</h1>
          <p>The records you tick move together to a new MSIX id; at least one record stays.</p>
          <form method="post" action={PAGES.merges.href} class="usa-form usa-form--large">
            <Csrf viewer={viewer} />
            <input type="hidden" name="kind" value="split" />
            <input type="hidden" name="msixId" value={msixId} />
            <fieldset class="usa-fieldset">
              <legend class="usa-legend">Records to split off</legend>
              {records.map((x, i) => (
                <div class="usa-checkbox">
                  <input
                    class="usa-checkbox__input"
                    type="checkbox"
                    id={`rec-${i}`}
                    name={`recordIds.${i}`}
                    value={x.recordId}
                  />
                  <label class="usa-checkbox__label" for={`rec-${i}`}>
                    {`${x.stateCode} ${x.stateStudentId} (linked ${x.linkType}, ${formatTime(x.linkedAt)})`}
                  </label>
                </div>
              ))}
            </fieldset>
            <Field name="reason" label="Why" />
            <button class="usa-button" type="submit">
              Ask to split
            </button>
          </form>
        </Page>,
      );
    },
  );

  app.post(PAGES.merges.href, { config: { access: MATCHING_ACT }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const form = (request.body ?? {}) as Record<string, string>;
    const body = mergeBodyOf(form);
    const check = body.kind === 'split' ? checkSplit : checkMerge;
    const invalid = async (errors: FieldErrors, notice?: string) =>
      sendPage(
        reply,
        <MergesPage
          viewer={viewer}
          list={(await listMerges(request, undefined))!}
          status=""
          values={form}
          errors={errors}
          {...(notice ? { notice } : {})}
        />,
        400,
      );
    if (!check(body)) {
      const errors = fieldErrors(listIssues(toFieldIssues(check.errors, body)));
      return invalid(errors, body.kind === 'split' ? Object.values(errors).join(' ') : undefined);
    }
    const res = await createMergeRequest(
      mergeDeps(app),
      body as Parameters<typeof createMergeRequest>[1],
      who(request),
    );
    await auditUnseen(request, res);
    if (res.kind === 'invalid' || res.kind === 'not-found' || res.kind === 'conflict') return invalid({}, res.reason);
    const m = await created(request, res);
    return reply.redirect(`${PAGES.merges.href}/${m.id}?done=asked`, 303);
  });

  app.get(
    `${PAGES.merges.href}/:id`,
    {
      config: { access: MATCHING_ACT },
      schema: { hide: true, params: IdParam, querystring: Type.Object({ done: Type.Optional(Type.String()) }) },
    },
    async (request, reply) => {
      const m = await getMergeRequest(db, request.params.id, actingState(request));
      if (!m) throw new GatewayError('GW_ERR_NOT_FOUND', `No merge or split request ${request.params.id}.`);
      const done = ['approved', 'rejected', 'asked'].includes(request.query.done ?? '')
        ? request.query.done
        : undefined;
      return sendPage(reply, <MergeRequestPage viewer={viewerOf(request)} m={m} done={done} />);
    },
  );

  for (const action of ['approve', 'reject'] as const)
    app.post(
      `${PAGES.merges.href}/:id/${action}`,
      { config: { access: MATCHING_ACT }, schema: { hide: true, params: IdParam } },
      async (request, reply) => {
        const form = (request.body ?? {}) as Record<string, string>;
        const note = form.note?.trim().slice(0, 500) || undefined;
        const decide = action === 'approve' ? approveMergeRequest : rejectMergeRequest;
        const m = await decided(
          request,
          await decide(mergeDeps(app), request.params.id, { ...who(request), ifMatch: versionOf(form), note }),
        );
        return reply.redirect(`${PAGES.merges.href}/${m.id}?done=${m.status}`, 303);
      },
    );

  app.post(
    `${PAGES.merges.href}/:id/undo`,
    { config: { access: MATCHING_ACT }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      const reason = form.reason?.trim().slice(0, 500) || undefined;
      const m = await created(
        request,
        await requestUndo(mergeDeps(app), request.params.id, { ...who(request), reason }),
      );
      return reply.redirect(`${PAGES.merges.href}/${m.id}?done=asked`, 303);
    },
  );
};
