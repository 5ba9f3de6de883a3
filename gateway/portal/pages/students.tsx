import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../../core/errors.js';
import { findStateRecord } from '../../../core/records.js';
import { listState } from '../../../core/security/scope.js';
import { readStudent, studentOfRecord } from '../../../core/students.js';
import { createAjv, toFieldIssues } from '../../../specs/validation.js';
import { scopeOf } from '../../plugins/auth.js';
import { PURPOSES, RequestBody, takeRecordRequest, toRequestInput } from '../../routes/exchange-requests.js';
import { MsixIdParam, msixIdIssue } from '../../schemas.js';
import { Field, Select, fieldErrors, type FieldErrors } from '../forms.js';
import { Alert, Csrf, Page, sendPage, type Viewer } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';
import { studentPdf } from '../pdf.js';
import { StudentRecord, fullName } from './student-view.js';

/** Who may open a consolidated record: the same roles as GET /api/v1/students/{msixId}. */
export const STUDENT_ROLES = ['counselor', 'data-admin', 'state-system', 'admin'] as const;
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

interface FindValues {
  msixId?: string;
  state?: string;
  stateStudentId?: string;
  firstName?: string;
  lastName1?: string;
  birthDate?: string;
  purpose?: string;
}

/** The three ways to find a child, each its own form (a search by name is a record request with a purpose). */
function FindPage(p: { viewer: Viewer; values?: FindValues; errors?: FieldErrors; notice?: string; status?: number }) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const mayRequest = p.viewer.roles.some((r) => (REQUEST_ROLES as readonly string[]).includes(r)) && !!p.viewer.state;
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
            <form method="post" action={PAGES.requests.href} class="usa-form">
              <Csrf viewer={p.viewer} />
              <p class="usa-hint">
                A search by name asks every state for the child's records. It is recorded with its purpose; only a
                confident match answers, and the records are shared only for that purpose.
              </p>
              <Field name="firstName" label="First name" value={v.firstName} error={e.firstName} required />
              <Field name="lastName1" label="Last name" value={v.lastName1} error={e.lastName1} required />
              <Field name="birthDate" label="Birth date" type="date" value={v.birthDate} error={e.birthDate} required />
              <Select
                name="purpose"
                label="Purpose of this search"
                hint="Why you need the records (kept in the audit trail)"
                options={purposeOptions}
                value={v.purpose}
                error={e.purpose}
              />
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

/** The form body of a record request, shaped as POST /api/v1/record-requests takes it. */
function requestBodyOf(form: Record<string, string>): Record<string, unknown> {
  const states = (form.states ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((x) => x.toUpperCase());
  return {
    ...(form.msixId ? { msixId: form.msixId.trim() } : {}),
    ...(form.msixId
      ? {}
      : {
          demographics: {
            identity: {
              firstName: (form.firstName ?? '').trim(),
              lastName1: (form.lastName1 ?? '').trim(),
              birthDate: form.birthDate ?? '',
            },
          },
        }),
    ...(form.purpose ? { purpose: form.purpose } : {}),
    ...(states.length ? { states } : {}),
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
  const checkRequest = createAjv().compile(RequestBody);

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
        const rec = await findStateRecord(db, state!, q.stateStudentId.trim());
        const msixId = rec ? await studentOfRecord(db, rec.id) : null;
        if (!msixId)
          return sendPage(
            reply,
            <FindPage
              viewer={viewer}
              values={q}
              errors={{
                stateStudentId: rec
                  ? 'This record is not matched to a student yet; try again in a minute.'
                  : `${state} has sent no record with this id.`,
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
      if (!form.purpose) return invalid({ purpose: 'Say why you need the records.' });
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
};
