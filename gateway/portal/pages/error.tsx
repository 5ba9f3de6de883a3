import type { FastifyReply } from 'fastify';
import type { GatewayError } from '../../../core/errors.js';
import { Alert, Page, sendPage, type Viewer } from '../html.js';

const HEADINGS: Record<number, string> = {
  400: 'Something in the request needs fixing',
  403: 'You may not open this page',
  404: 'Not found',
  409: 'This changed meanwhile',
  429: 'Too many requests',
};

/** An error as a page: what went wrong in words, and the correlation id for the help desk. */
export function errorPage(reply: FastifyReply, viewer: Viewer | null, err: GatewayError, traceId: string) {
  const heading = HEADINGS[err.status] ?? (err.status >= 500 ? 'The gateway could not answer' : 'Request refused');
  return sendPage(
    reply,
    <Page title={heading} viewer={viewer}>
      <h1>{heading}</h1>
      <Alert kind="error">
        <p>{err.message}</p>
        <p class="portal-muted">
          Reference for the help desk: <code>{traceId}</code> ({err.code})
        </p>
      </Alert>
      <p>
        <a href="/portal">Back to your home page</a>
      </p>
    </Page>,
    err.status,
  );
}
