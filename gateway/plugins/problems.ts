import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, UnavailableError, toProblem, type ErrorCode } from '../../core/errors.js';
import { LogLimiter, errorKey } from '../../runtime/log-limit.js';
import { toFieldIssues } from '@msix/adapter-sdk/canonical';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_ERR_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_ERR_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_ERR_BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_ERR_BAD_JSON',
  FST_ERR_BAD_STATUS_CODE: 'GW_ERR_INTERNAL',
  FST_ERR_RATE_LIMITED: 'GW_ERR_RATE_LIMITED',
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: GatewayError): FastifyReply {
  return reply.code(err.status).type('application/problem+json').send(toProblem(err, request.id));
}

/**
 * Turns anything thrown in a route into RFC 7807 problem details with a code from the registry. A validation issue
 * carries the value it found in the body or (given `query`) the query string, for the caller who sent it.
 */
export function toGatewayError(error: FastifyError | Error, body: unknown, query?: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const unavailable = unavailableIn(error);
  if (unavailable)
    return new GatewayError(
      'GW_ERR_UNAVAILABLE',
      `The gateway cannot reach its ${unavailable.dependency === 'postgres' ? 'database' : 'queue'} right now; ` +
        `nothing of this request was stored. Send it again after ${unavailable.retryAfterSeconds} s.`,
      { extra: { retryAfterSeconds: unavailable.retryAfterSeconds } },
    );
  const fe = error as FastifyError & { validation?: Parameters<typeof toFieldIssues>[0]; validationContext?: string };
  if (fe.validation) {
    const part = fe.validationContext ?? 'body';
    const data = part === 'body' ? body : part === 'querystring' ? query : undefined;
    const issues = toFieldIssues(fe.validation, data, part === 'body' ? '' : `${part}:`);
    return new GatewayError('GW_ERR_VALIDATION', `${issues.length} problem(s) in the request ${part}`, { issues });
  }
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new GatewayError(mapped, fe.message);
  if (error instanceof SyntaxError || fe.statusCode === 400) return new GatewayError('GW_ERR_BAD_JSON', fe.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode =
      fe.statusCode === 413
        ? 'GW_ERR_TOO_LARGE'
        : fe.statusCode === 415
          ? 'GW_ERR_MEDIA_TYPE'
          : fe.statusCode === 404
            ? 'GW_ERR_NOT_FOUND'
            : fe.statusCode === 429
              ? 'GW_ERR_RATE_LIMITED'
              : fe.statusCode === 401
                ? 'GW_ERR_UNAUTHENTICATED'
                : fe.statusCode === 403
                  ? 'GW_ERR_FORBIDDEN'
                  : 'GW_ERR_BAD_REQUEST';
    return new GatewayError(code, fe.message);
  }
  return new GatewayError(
    'GW_ERR_INTERNAL',
    'An unexpected error occurred; it has been logged with the correlation id.',
  );
}

/** The {@link UnavailableError} behind an error, if any (it may be wrapped as a cause). */
function unavailableIn(error: unknown): UnavailableError | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof UnavailableError) return e;
  return null;
}

export function registerProblemHandlers(app: FastifyInstance): void {
  // During an outage every request fails the same way: one line a minute says so.
  const limiter = new LogLimiter(app.log);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ge = toGatewayError(error, request.body, request.query);
    if (ge.code === 'GW_ERR_UNAVAILABLE') {
      limiter.log('warn', errorKey('request', error), { err: error, reqId: request.id }, 'dependency unavailable: 503');
      reply.header('retry-after', String(ge.extra.retryAfterSeconds ?? 5));
    } else if (ge.status >= 500) request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, ge);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new GatewayError('GW_ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
