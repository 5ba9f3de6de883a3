import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../../core/errors.js';
import { createAjv, toFieldIssues } from '@msix/adapter-sdk/canonical';
import { DepartureBody, departAsAsked } from '../../routes/exchange-notices.js';
import { Field, fieldErrors, type FieldErrors } from '../forms.js';
import { Alert, Csrf, Page, sendPage, type Viewer } from '../html.js';
import { viewerOf } from '../plugin.js';

const HREF = '/portal/departures';
// The people of POST /api/v1/departure-notices (a state system sends its own through the API).
const ROLES = ['counselor', 'data-admin'] as const;

function DepartureForm(p: { viewer: Viewer; values: Record<string, string>; errors?: FieldErrors }) {
  const v = p.values;
  const e = p.errors ?? {};
  return (
    <Page title="Departure notice" viewer={p.viewer}>
      <h1>Tell another state a child is on the way</h1>
      <p>
        The state the child goes to receives the consolidated record through its channel, and its counselors may read
        it. Your state must hold an active record of the child.
      </p>
      <form method="post" action={HREF} class="usa-form usa-form--large">
        <Csrf viewer={p.viewer} />
        <Field name="msixId" label="MSIX id" value={v.msixId} error={e.msixId} inputmode="numeric" required />
        <Field name="toState" label="State the child goes to" hint="Two letters" value={v.toState} error={e.toState} />
        <Field
          name="expectedArrivalDate"
          label="Expected arrival (optional)"
          type="date"
          value={v.expectedArrivalDate}
          error={e.expectedArrivalDate}
        />
        <Field
          name="comment"
          label="For the receiving school (optional)"
          hint="No health details"
          value={v.comment}
          error={e.comment}
        />
        <button class="usa-button" type="submit">
          Send the notice
        </button>
      </form>
    </Page>
  );
}

/** Departure notices from the portal (issue 14 item 3): the same use case and checks as the API. */
export const departurePages: FastifyPluginAsyncTypebox = async (app) => {
  const check = createAjv().compile(DepartureBody);

  app.get(
    HREF,
    {
      config: { access: { roles: ROLES } },
      schema: { hide: true, querystring: Type.Object({ msixId: Type.Optional(Type.String({ maxLength: 20 })) }) },
    },
    async (request, reply) =>
      sendPage(reply, <DepartureForm viewer={viewerOf(request)} values={{ msixId: request.query.msixId ?? '' }} />),
  );

  app.post(HREF, { config: { access: { roles: ROLES } }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const form = (request.body ?? {}) as Record<string, string>;
    const body: Record<string, string> = {
      msixId: (form.msixId ?? '').replace(/\s/g, ''),
      toState: (form.toState ?? '').trim(),
    };
    if (form.expectedArrivalDate) body.expectedArrivalDate = form.expectedArrivalDate;
    if (form.comment?.trim()) body.comment = form.comment.trim();
    const invalid = (errors: FieldErrors) =>
      sendPage(reply, <DepartureForm viewer={viewer} values={form} errors={errors} />, 400);
    if (!check(body)) return invalid(fieldErrors(toFieldIssues(check.errors, body)));
    let res: Awaited<ReturnType<typeof departAsAsked>>;
    try {
      res = await departAsAsked(app, request, body as Parameters<typeof departAsAsked>[2]);
    } catch (e) {
      if (e instanceof GatewayError && e.issues) return invalid(fieldErrors(e.issues));
      throw e;
    }
    const n = res.notice;
    return sendPage(
      reply,
      <Page title="Departure notice sent" viewer={viewer}>
        <h1>Departure notice</h1>
        <Alert kind="success" heading={res.created ? 'Sent' : 'Already sent'}>
          <p data-testid="departure">
            {`${n.toState} is told that MSIX ${n.msixId} is on the way from ${n.fromState}` +
              `${n.expectedArrival ? `, expected ${n.expectedArrival}` : ''}. Notice ${n.id}.`}
          </p>
        </Alert>
        <p>
          <a href={`/portal/students/${n.msixId}`}>Back to the record</a>
        </p>
      </Page>,
      res.created ? 201 : 200,
    );
  });
};
