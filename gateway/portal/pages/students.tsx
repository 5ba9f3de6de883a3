import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../../core/errors.js';
import { findStateRecord } from '../../../core/records.js';
import { listState } from '../../../core/security/scope.js';
import { readStudent, studentOfRecord } from '../../../core/students.js';
import { createAjv, toFieldIssues } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../../plugins/auth.js';
import { lagTolerantDb } from '../../context.js';
import { PURPOSES, RequestBody, takeRecordRequest, toRequestInput } from '../../routes/exchange-requests.js';
import { IdParam, MsixIdParam, msixIdIssue } from '../../schemas.js';
import { SearchBody, searchDeps } from '../../routes/student-searches.js';
import {
  ATTESTATIONS,
  SEARCH_PURPOSES,
  chooseCandidate,
  searchStudents,
} from '../../../core/exchange/requests/search.js';
import { Field, Select, fieldErrors, type FieldErrors } from '../forms.js';
import { Alert, Csrf, Page, sendPage, type Viewer, formatTime } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';
import { studentPdf } from '../pdf.js';
import { StudentRecord, fullName } from './student-view.js';

/** Who may open a consolidated record: the same roles as GET /api/v1/students/{msixId}. */
export const STUDENT_ROLES = ['counselor', 'data-admin', 'state-system', 'admin'] as const;
/** Who may search nationally by name: the same roles as POST /api/v1/student-searches. */
const SEARCH_ROLES = ['counselor', 'data-admin', 'state-system'] as const;
/** Who may ask other states for records: the same roles as POST /api/v1/record-requests. */
const REQUEST_ROLES = ['state-system', 'counselor', 'data-admin'] as const;

const PURPOSE_LABELS: Record<(typeof PURPOSES)[number], string> = {
  enrollment: 'Enrollment in my school',
  placement: 'Grade or course placement',
  'course-history': 'Course history',
  'credit-accrual': 'Credit accrual',
  graduation: 'Graduation check',
  services: 'Migrant Education Program services',
  other: 'Other',
};
const purposeOptions = [['', 'Choose a purpose'] as const, ...PURPOSES.map((p) => [p, PURPOSE_LABELS[p]] as const)];
const SEARCH_PURPOSE_LABELS: Record<(typeof SEARCH_PURPOSES)[number], string> = {
  enrollment: 'Enrollment in my school',
  placement: 'Grade or course placement',
  'credit-accrual': 'Credit accrual',
  'records-request': 'Asking the states for records',
};
const searchPurposeOptions = [
  ['', 'Choose a purpose'] as const,
  ...SEARCH_PURPOSES.map((p) => [p, SEARCH_PURPOSE_LABELS[p]] as const),
];
const ATTESTATION_LABELS: Record<(typeof ATTESTATIONS)[number], string> = {
  enrolling: 'The child is enrolling with my school now',
  enrolled: 'The child is enrolled with my school',
};

interface FindValues {
  msixId?: string;
  state?: string;
  stateStudentId?: string;
  firstName?: string;
  lastName1?: string;
  birthDate?: string;
  purpose?: string;
  attestation?: string;
}

/** The three ways to find a child, each its own form (a search by name is a record request with a purpose). */
function FindPage(p: { viewer: Viewer; values?: FindValues; errors?: FieldErrors; notice?: string; status?: number }) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const mayRequest = p.viewer.roles.some((r) => (SEARCH_ROLES as readonly string[]).includes(r)) && !!p.viewer.state;
  return (
    <Page title="Find a student" viewer={p.viewer} path={PAGES.find.href}>
      <h1>Find a student</h1>
      {p.notice ? <Alert kind="warning">{p.notice}</Alert> : null}
      <div class="grid-row grid-gap">
        <section class="tablet:grid-col-6" aria-labelledby="by-id">
          <h2 id="by-id">By MSIX id</h2>
          <form method="get" action={PAGES.find.href} class="usa-form">
            <Field
              name="msixId"
              label="MSIX id"
              hint="12 digits"
              value={v.msixId}
              error={e.msixId}
              inputmode="numeric"
            />
            <button class="usa-button" type="submit">
              Open the record
            </button>
          </form>
          <h2 id="by-state-id">By state student id</h2>
          <form method="get" action={PAGES.find.href} class="usa-form" aria-labelledby="by-state-id">
            {p.viewer.state ? (
              <input type="hidden" name="state" value={p.viewer.state} />
            ) : (
              <Field name="state" label="State" hint="Two letters, for example TX" value={v.state} error={e.state} />
            )}
            <Field
              name="stateStudentId"
              label={p.viewer.state ? `${p.viewer.state} student id` : 'State student id'}
              value={v.stateStudentId}
              error={e.stateStudentId}
            />
            <button class="usa-button" type="submit">
              Find
            </button>
          </form>
        </section>
        <section class="tablet:grid-col-6" aria-labelledby="by-name">
          <h2 id="by-name">By name and birth date</h2>
          {mayRequest ? (
            <form method="post" action="/portal/searches" class="usa-form">
              <Csrf viewer={p.viewer} />
              <p class="usa-hint">
                A national search: only a confident match is offered, with just what you need to recognise the child. It
                is recorded with its purpose, and the child's home states can see who looked.
              </p>
              <Field name="firstName" label="First name" value={v.firstName} error={e.firstName} required />
              <Field name="lastName1" label="Last name" value={v.lastName1} error={e.lastName1} required />
              <Field name="birthDate" label="Birth date" type="date" value={v.birthDate} error={e.birthDate} required />
              <Select
                name="purpose"
                label="Purpose of this search"
                hint="Why you need the record (kept in the audit trail)"
                options={searchPurposeOptions}
                value={v.purpose}
                error={e.purpose}
              />
              <fieldset class="usa-fieldset">
                <legend class="usa-legend">I attest that</legend>
                {e.attestation ? (
                  <span class="usa-error-message" id="f-attestation-error" role="alert">
                    {e.attestation}
                  </span>
                ) : null}
                {ATTESTATIONS.map((a) => (
                  <div class="usa-radio">
                    <input
                      class="usa-radio__input"
                      id={`f-attestation-${a}`}
                      type="radio"
                      name="attestation"
                      value={a}
                      checked={v.attestation === a}
                    />
                    <label class="usa-radio__label" for={`f-attestation-${a}`}>
                      {ATTESTATION_LABELS[a]}
                    </label>
                  </div>
                ))}
              </fieldset>
              <button class="usa-button" type="submit">
                Search all states
              </button>
            </form>
          ) : (
            <p>Searches by name are made for a state: sign in with an account bound to a state.</p>
          )}
        </section>
      </div>
    </Page>
  );
}

/** The form body of a record request (from a student's page), shaped as POST /api/v1/record-requests takes it. */
function requestBodyOf(form: Record<string, string>): Record<string, unknown> {
  const states = (form.states ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((x) => x.toUpperCase());
  return {
    msixId: (form.msixId ?? '').trim(),
    ...(form.purpose ? { purpose: form.purpose } : {}),
    ...(states.length ? { states } : {}),
  };
}

/** The form body of a national search, shaped as POST /api/v1/student-searches takes it. */
function searchBodyOf(form: Record<string, string>): Record<string, unknown> {
  return {
    demographics: {
      identity: {
        firstName: (form.firstName ?? '').trim(),
        lastName1: (form.lastName1 ?? '').trim(),
        birthDate: form.birthDate ?? '',
      },
    },
    ...(form.purpose ? { purpose: form.purpose } : {}),
    ...(form.attestation ? { attestation: form.attestation } : {}),
  };
}

/**
 * Counselors' and registrars' pages: find a student, the consolidated record
 * (printable, and as a PDF), and record requests to other states. Reads go
 * through the same use cases as the API (readStudent, takeRecordRequest) with
 * the request's Scope, so grounds and audit are the API's.
 */
export const studentPages: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;
  const ajv = createAjv();
  const checkRequest = ajv.compile(RequestBody);
  const checkSearch = ajv.compile(SearchBody);

  app.get(
    PAGES.find.href,
    {
      config: { access: { roles: PAGES.find.roles, stateQuery: 'state', crossState: ['admin'] } },
      schema: {
        hide: true,
        querystring: Type.Object({
          msixId: Type.Optional(Type.String({ maxLength: 40 })),
          state: Type.Optional(Type.String({ maxLength: 2 })),
          stateStudentId: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const q = request.query;
      if (q.msixId !== undefined) {
        const id = q.msixId.replace(/[\s-]/g, '');
        const bad = msixIdIssue(id, 'msixId');
        if (bad) return sendPage(reply, <FindPage viewer={viewer} values={q} errors={{ msixId: bad.detail }} />, 400);
        return reply.redirect(`/portal/students/${id}`, 303);
      }
      if (q.stateStudentId !== undefined) {
        const state = listState(scopeOf(request), q.state);
        const errors: FieldErrors = {};
        if (!state || !/^[A-Z]{2}$/.test(state)) errors.state = 'Give the two-letter state code.';
        if (!/^[\w-]{1,15}$/.test(q.stateStudentId.trim()))
          errors.stateStudentId = 'A state student id is 1 to 15 letters, digits or dashes.';
        if (Object.keys(errors).length)
          return sendPage(reply, <FindPage viewer={viewer} values={q} errors={errors} />, 400);
        // A lookup that may be a moment old (the replica): a record not matched yet says "try again in a minute".
        const lookup = lagTolerantDb(app.ctx);
        const rec = await findStateRecord(lookup, state!, q.stateStudentId.trim());
        const msixId = rec ? await studentOfRecord(lookup, rec.id) : null;
        if (!msixId)
          return sendPage(
            reply,
            <FindPage
              viewer={viewer}
              values={q}
              errors={{
                stateStudentId: rec
                  ? 'This record is not matched to a student yet; try again in a minute.'
                  : `${state} has sent no record with this id. Check it against your student system, or find the ` +
                    'child by MSIX id or by name and birth date.',
              }}
            />,
            404,
          );
        return reply.redirect(`/portal/students/${msixId}`, 303);
      }
      return sendPage(reply, <FindPage viewer={viewer} />);
    },
  );

  app.get(
    '/portal/students/:msixId',
    {
      config: { access: { roles: STUDENT_ROLES, student: { param: 'msixId' }, pii: true } },
      schema: { hide: true, params: MsixIdParam },
    },
    async (request, reply) => {
      const { msixId } = request.params;
      const bad = msixIdIssue(msixId, 'params:/msixId');
      if (bad) throw new GatewayError('GW_ERR_VALIDATION', bad.detail, { issues: [bad.issue] });
      const r = await readStudent(db, scopeOf(request), msixId, { via: 'portal' });
      if (r.kind === 'merged') return reply.redirect(`/portal/students/${r.into}`, 301);
      const s = r.student;
      const viewer = viewerOf(request);
      return sendPage(
        reply,
        <Page title={`Student ${s.msixId}`} viewer={viewer}>
          <h1>{fullName(s.identity)}</h1>
          <p class="usa-intro">
            MSIX id <strong>{s.msixId}</strong>
          </p>
          <p class="portal-noprint">
            <button type="button" class="usa-button usa-button--outline" data-print="">
              Print
            </button>
            <a class="usa-button usa-button--outline" href={`/portal/students/${s.msixId}/pdf`} download="">
              Download PDF
            </a>
            {viewer.state && viewer.roles.some((x) => x === 'counselor' || x === 'data-admin') ? (
              <a class="usa-button usa-button--outline" href={`/portal/departures?msixId=${s.msixId}`}>
                Send a departure notice
              </a>
            ) : null}
          </p>
          <StudentRecord student={s} />
          {viewer.state && viewer.roles.some((x) => (REQUEST_ROLES as readonly string[]).includes(x)) ? (
            <section class="portal-noprint" aria-labelledby="ask">
              <h2 id="ask">Ask other states for their records</h2>
              <form method="post" action={PAGES.requests.href} class="usa-form">
                <Csrf viewer={viewer} />
                <input type="hidden" name="msixId" value={s.msixId} />
                <Field name="states" label="States to ask" hint="Two-letter codes; empty: every state" />
                <Select name="purpose" label="Purpose" options={purposeOptions} />
                <button class="usa-button" type="submit">
                  Send the request
                </button>
              </form>
            </section>
          ) : null}
        </Page>,
      );
    },
  );

  app.get(
    '/portal/students/:msixId/pdf',
    {
      config: { access: { roles: STUDENT_ROLES, student: { param: 'msixId' }, pii: true } },
      schema: { hide: true, params: MsixIdParam },
    },
    async (request, reply) => {
      const { msixId } = request.params;
      const bad = msixIdIssue(msixId, 'params:/msixId');
      if (bad) throw new GatewayError('GW_ERR_VALIDATION', bad.detail, { issues: [bad.issue] });
      const r = await readStudent(db, scopeOf(request), msixId, { via: 'portal', format: 'pdf' });
      if (r.kind === 'merged') return reply.redirect(`/portal/students/${r.into}/pdf`, 301);
      const pdf = await studentPdf(r.student, new Date());
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="msix-${msixId}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  app.post(
    PAGES.requests.href,
    { config: { access: { roles: REQUEST_ROLES, pii: true } }, schema: { hide: true } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const form = (request.body ?? {}) as Record<string, string>;
      const body = requestBodyOf(form);
      const invalid = (errors: FieldErrors) =>
        sendPage(reply, <FindPage viewer={viewer} values={form} errors={errors} />, 400);
      if (!checkRequest(body)) return invalid(fieldErrors(toFieldIssues(checkRequest.errors, body)));
      let input: ReturnType<typeof toRequestInput>;
      try {
        input = toRequestInput(body as Parameters<typeof toRequestInput>[0]);
      } catch (e) {
        if (e instanceof GatewayError && e.issues) return invalid(fieldErrors(e.issues));
        throw e;
      }
      const res = await takeRecordRequest(app, request, input);
      if (res.kind === 'refused')
        return sendPage(
          reply,
          <FindPage viewer={viewer} values={form} notice={res.detail} />,
          new GatewayError(res.code, res.detail).status,
        );
      return reply.redirect(`${PAGES.requests.href}/${res.request.id}`, 303);
    },
  );

  app.post(
    '/portal/searches',
    { config: { access: { roles: SEARCH_ROLES, pii: true } }, schema: { hide: true } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const form = (request.body ?? {}) as Record<string, string>;
      const body = searchBodyOf(form);
      const errors: FieldErrors = checkSearch(body) ? {} : fieldErrors(toFieldIssues(checkSearch.errors, body));
      // Said in the portal's words: what each field is for.
      if (!form.purpose) errors.purpose = 'Say why you need the record.';
      if (!form.attestation) errors.attestation = 'Attest that the child is enrolling or enrolled with you.';
      if (Object.keys(errors).length)
        return sendPage(reply, <FindPage viewer={viewer} values={form} errors={errors} />, 400);
      const found = await searchStudents(
        searchDeps(app),
        scopeOf(request),
        body as unknown as Parameters<typeof searchStudents>[2],
      );
      return sendPage(
        reply,
        <Page title="Search results" viewer={viewer} path={PAGES.find.href}>
          <h1>Search results</h1>
          {found.candidates.length === 0 ? (
            <Alert kind="info" heading="No confident match">
              <p>
                Nobody matched confidently. Check the spelling and the birth date, or ask the family for the child's
                MSIX id or a former school's student id.
              </p>
            </Alert>
          ) : (
            <ul class="usa-card-group">
              {found.candidates.map((c) => (
                <li class="usa-card tablet:grid-col-6">
                  <div class="usa-card__container">
                    <div class="usa-card__header">
                      <h2 class="usa-card__heading">
                        {fullName({ ...c, middleName: c.middleName ?? undefined, lastName2: c.lastName2 ?? undefined })}
                      </h2>
                    </div>
                    <div class="usa-card__body">
                      <p>
                        Born {c.birthDate}
                        {c.sex ? ` · sex ${c.sex}` : ''} · records in {c.states.join(', ')}
                      </p>
                    </div>
                    <div class="usa-card__footer">
                      <form method="post" action={`/portal/searches/${found.id}/choice`}>
                        <Csrf viewer={viewer} />
                        <input type="hidden" name="candidate" value={String(c.candidate)} />
                        <button class="usa-button" type="submit">
                          This is the child: open the record
                        </button>
                      </form>
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )}
          <p>
            Choose before {formatTime(found.expiresAt)}. <a href={PAGES.find.href}>Search again</a>
          </p>
        </Page>,
      );
    },
  );

  app.post(
    '/portal/searches/:id/choice',
    { config: { access: { roles: SEARCH_ROLES, pii: true } }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      const candidate = Number(form.candidate);
      if (!Number.isInteger(candidate) || candidate < 1 || candidate > 50)
        throw new GatewayError('GW_ERR_VALIDATION', 'Choose one of the candidates of your search.');
      const c = await chooseCandidate(searchDeps(app), scopeOf(request), request.params.id, candidate);
      return reply.redirect(`/portal/students/${c.msixId}`, 303);
    },
  );
};
