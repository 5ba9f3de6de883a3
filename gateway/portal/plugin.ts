import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import csrf from '@fastify/csrf-protection';
import { GatewayError } from '../../core/errors.js';
import { sessionHolder } from '../../core/security/sessions.js';
import { toGatewayError, sendProblem } from '../plugins/problems.js';
import { SESSION_COOKIE } from '../plugins/auth.js';
import { assetRoutes } from './assets.js';
import type { Viewer } from './html.js';
import { departurePages } from './pages/departures.js';
import { errorPage } from './pages/error.js';
import { helpDeskPages } from './pages/helpdesk.js';
import { homeRoutes } from './pages/home.js';
import { matchingPages } from './pages/matching.js';
import { reportPages } from './pages/reports.js';
import { requestPages } from './pages/requests.js';
import { studentPages } from './pages/students.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The person looking at a portal page (set by the portal's preHandler on authenticated pages). */
    viewer?: Viewer;
  }
}

/** Whether the caller is a browser asking for a page (as opposed to an API client or a test's inject). */
export const wantsHtml = (request: FastifyRequest): boolean => /\btext\/html\b/.test(request.headers.accept ?? '');

/** The viewer of a page; every authenticated portal route has one. */
export function viewerOf(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new GatewayError('GW_ERR_INTERNAL', 'This page has no viewer.');
  return request.viewer;
}

/** Form fields: names are short identifiers; the first value of a repeated name wins. */
function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (/^[\w.-]{1,60}$/.test(k) && !(k in out)) out[k] = v;
  return out;
}

/**
 * A request authenticated by an Authorization header cannot have been forged
 * by another site (a browser never adds one on its own); one authenticated by
 * the session cookie must carry the CSRF token of the page it came from.
 */
const ambient = (request: FastifyRequest): boolean => !request.headers.authorization;

/**
 * The web portal (issue 14): server-rendered USWDS pages for people, on the
 * same routes' rules as the API. Each page declares its access like an API
 * route (the auth plugin enforces it and the authorization matrix covers it)
 * and reads through the same use cases in core with the request's Scope.
 */
export const portalPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16_384 },
    (_req, body, done) => {
      done(null, parseForm(body as string));
    },
  );
  const secure = app.ctx.config.COOKIE_SECURE;
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'msix_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure, signed: false },
  });

  // Every page of a signed-in person knows who is looking, and every form carries a CSRF token.
  app.addHook('preHandler', async (request, reply) => {
    if (request.principal?.kind !== 'person') {
      if (request.principal) request.viewer = { ...request.principal, name: null, csrf: '' };
      return;
    }
    if (ambient(request) && !['GET', 'HEAD'].includes(request.method)) {
      await new Promise<void>((resolve, reject) => {
        app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve()));
      });
    }
    const token = request.cookies[SESSION_COOKIE];
    const holder = token ? await sessionHolder(app.ctx.db, token) : null;
    request.viewer = {
      name: holder?.name ?? null,
      subject: request.principal.subject,
      state: request.principal.state,
      roles: request.principal.roles,
      csrf: reply.generateCsrf(),
    };
  });

  // Browsers get pages: sign-in when the session is missing or expired (then back here), an error page otherwise.
  // API clients get the same problem details as on the API.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const ge =
      (error as { code?: string }).code === 'FST_CSRF_INVALID_TOKEN' ||
      (error as { code?: string }).code === 'FST_CSRF_MISSING_SECRET'
        ? new GatewayError('GW_ERR_FORBIDDEN', 'This form has expired: reload the page and send it again.')
        : toGatewayError(error, request.body);
    if (ge.status >= 500) request.log.error({ err: error }, 'unhandled error');
    if (!wantsHtml(request)) return sendProblem(reply, request, ge);
    if (ge.status === 401 && request.method === 'GET') return redirectToSignIn(request, reply);
    return errorPage(reply, request.viewer ?? null, ge, request.id);
  });

  await app.register(assetRoutes);
  await app.register(homeRoutes);
  await app.register(studentPages);
  await app.register(requestPages);
  await app.register(helpDeskPages);
  await app.register(matchingPages);
  await app.register(departurePages);
  await app.register(reportPages);
};

function redirectToSignIn(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .redirect(`/auth/login?returnTo=${encodeURIComponent(request.url)}`, 302);
}
