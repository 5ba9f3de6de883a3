/**
 * Errors on the Ed-Fi surface in the Ed-Fi problem-details shape (ODS/API
 * 7.2+ and DMS): `type` (`urn:ed-fi:api:…`), `title`, `status`, `detail`,
 * `correlationId`, `validationErrors` keyed by JSON path and `errors`. The
 * gateway's coded error (`code`, from core/errors.ts) rides along, so the
 * help desk looks up one registry whatever surface answered.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, type ErrorCode } from '../../core/errors.js';
import type { ValidationErrors } from '../../specs/edfi/validation.js';
import { toGatewayError } from '../plugins/problems.js';

export interface EdfiProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  correlationId: string;
  validationErrors: ValidationErrors;
  errors: string[];
  code: ErrorCode;
}

/** An Ed-Fi problem: the registry code and the Ed-Fi type, title and details. */
export class EdfiProblem extends GatewayError {
  readonly edfiType: string;
  readonly edfiTitle: string;
  readonly validationErrors: ValidationErrors;
  readonly errors: string[];
  constructor(
    code: ErrorCode,
    edfi: { type: string; title: string; detail: string; validationErrors?: ValidationErrors; errors?: string[] },
  ) {
    super(code, edfi.detail);
    this.edfiType = edfi.type;
    this.edfiTitle = edfi.title;
    this.validationErrors = edfi.validationErrors ?? {};
    this.errors = edfi.errors ?? [];
  }
}

const URN = 'urn:ed-fi:api:';

/** The Ed-Fi type and title of each registry code, for errors raised outside the Ed-Fi handlers (auth, fastify). */
const BY_CODE: Partial<Record<ErrorCode, { type: string; title: string }>> = {
  GW_ERR_UNAUTHENTICATED: { type: 'security:authentication', title: 'Authentication Failed' },
  GW_ERR_FORBIDDEN: { type: 'security:authorization', title: 'Authorization Denied' },
  GW_ERR_STATE_MISMATCH: { type: 'security:authorization', title: 'Authorization Denied' },
  GW_ERR_NOT_FOUND: { type: 'not-found', title: 'Not Found' },
  GW_ERR_METHOD_NOT_ALLOWED: { type: 'method-not-allowed', title: 'Method Not Allowed' },
  GW_ERR_MEDIA_TYPE: { type: 'unsupported-media-type', title: 'Unsupported Media Type' },
  GW_ERR_RATE_LIMITED: { type: 'too-many-requests', title: 'Too Many Requests' },
  GW_ERR_TOO_LARGE: { type: 'bad-request', title: 'Request Too Large' },
  GW_ERR_NOT_ACCEPTABLE: { type: 'not-acceptable', title: 'Not Acceptable' },
  GW_ERR_PRECONDITION: { type: 'optimistic-lock-failed', title: 'Optimistic Lock Failed' },
  GW_ERR_UNAVAILABLE: { type: 'service-unavailable', title: 'Service Unavailable' },
  GW_ERR_OVERLOADED: { type: 'service-unavailable', title: 'Service Unavailable' },
  GW_ERR_INTERNAL: { type: 'internal-server-error', title: 'Internal Server Error' },
};

const CORRELATION = /^[\w.:-]{1,100}$/;

/**
 * The correlation id an Ed-Fi problem carries: the ODS `correlation-id` header, else the `correlationId` query
 * parameter (the header wins, as in the ODS/API), else the request id (`x-correlation-id`, or generated).
 */
export function correlationIdOf(request: FastifyRequest): string {
  const h = request.headers['correlation-id'];
  if (typeof h === 'string' && CORRELATION.test(h)) return h;
  const q = (request.query as Record<string, unknown> | undefined)?.correlationId;
  return typeof q === 'string' && CORRELATION.test(q) ? q : request.id;
}

/** The Ed-Fi problem details of any gateway error (also the OAuth endpoints' errors, gateway/routes/oauth.ts). */
export function edfiProblemBody(err: GatewayError, correlationId: string): EdfiProblemBody {
  if (err instanceof EdfiProblem) {
    return {
      type: URN + err.edfiType,
      title: err.edfiTitle,
      status: err.status,
      detail: err.message,
      correlationId,
      validationErrors: err.validationErrors,
      errors: err.errors,
      code: err.code,
    };
  }
  const mapped = BY_CODE[err.code] ?? { type: 'bad-request', title: 'Bad Request' };
  const detail = err.status >= 500 ? 'An unexpected error occurred on the server.' : err.message;
  return {
    type: URN + mapped.type,
    title: mapped.title,
    status: err.status,
    detail,
    correlationId,
    validationErrors: {},
    errors: err.issues.map((i) => `${i.path} ${i.message}`),
    code: err.code,
  };
}

export function sendEdfiProblem(reply: FastifyReply, request: FastifyRequest, err: GatewayError): FastifyReply {
  return reply
    .code(err.status)
    .type('application/problem+json')
    .send(edfiProblemBody(err, correlationIdOf(request)));
}

// Common problems, worded as the ODS/API and DMS word them.

export const badRequest = (errors: string[]) =>
  new EdfiProblem('GW_ERR_BAD_REQUEST', {
    type: 'bad-request',
    title: 'Bad Request',
    detail: "The request could not be processed. See 'errors' for details.",
    errors,
  });

/** A query parameter the ODS would refuse (limit, offset, a filter value of the wrong type…). */
export const parameterValidationFailed = (errors: string[], detail = 'The request parameters were incorrect.') =>
  new EdfiProblem('GW_ERR_BAD_REQUEST', {
    type: 'bad-request:parameter-validation-failed',
    title: 'Parameter Validation Failed',
    detail,
    errors,
  });

/** An id in the route that is not an Ed-Fi resource id (32 hex digits, dashes allowed): 400, not 404. */
export const invalidId = () =>
  new EdfiProblem('GW_ERR_VALIDATION', {
    type: 'bad-request:data-validation-failed',
    title: 'Data Validation Failed',
    detail: "Data validation failed. See 'validationErrors' for details.",
    validationErrors: {
      '$.id': ['The value is not a valid resource id: send the 32 hexadecimal digits of a GUID (dashes allowed).'],
    },
  });

/** `Use-Snapshot: true` on a write: snapshots are read-only (the ODS/API and DMS answer, with `Allow: GET`). */
export const snapshotMethodNotAllowed = () =>
  new EdfiProblem('GW_ERR_METHOD_NOT_ALLOWED', {
    type: 'snapshots:method-not-allowed',
    title: 'Method Not Allowed with Snapshots',
    detail: 'An attempt was made to modify data in a Snapshot, but this data is read-only.',
  });

/** `Use-Snapshot: true` on a read: this gateway keeps no snapshots, which the ODS/API answers as a missing one. */
export const snapshotNotFound = () =>
  new EdfiProblem('GW_ERR_NOT_FOUND', {
    type: 'not-found',
    title: 'Not Found',
    detail: 'Snapshot not found.',
    errors: ['This gateway serves live data only (no snapshot is configured); send the request without Use-Snapshot.'],
  });

/** A profile media type: this gateway serves no Ed-Fi profiles. */
export const profileNotServed = (mediaType: string) =>
  new EdfiProblem('GW_ERR_MEDIA_TYPE', {
    type: 'unsupported-media-type',
    title: 'Unsupported Media Type',
    detail: 'The request construction was invalid.',
    errors: [
      "The value specified in the 'Content-Type' or 'Accept' header is not supported by this host.",
      `No profile is served here (${mediaType.slice(0, 120)}); send and accept application/json.`,
    ],
  });

export const dataValidationFailed = (validationErrors: ValidationErrors, errors: string[] = []) =>
  new EdfiProblem('GW_ERR_VALIDATION', {
    type: 'bad-request:data-validation-failed',
    title: 'Data Validation Failed',
    detail: "Data validation failed. See 'validationErrors' for details.",
    validationErrors,
    errors,
  });

export const notFound = (detail = 'The specified data could not be found.') =>
  new EdfiProblem('GW_ERR_NOT_FOUND', { type: 'not-found', title: 'Not Found', detail });

export const methodNotAllowed = (error: string) =>
  new EdfiProblem('GW_ERR_METHOD_NOT_ALLOWED', {
    type: 'method-not-allowed',
    title: 'Method Not Allowed',
    detail: 'The request construction was invalid.',
    errors: [error],
  });

export const unsupportedMediaType = (got: string | undefined) =>
  new EdfiProblem('GW_ERR_MEDIA_TYPE', {
    type: 'unsupported-media-type',
    title: 'Unsupported Media Type',
    detail: 'The request construction was invalid.',
    errors: [
      "The value specified in the 'Content-Type' header is not supported by this host.",
      `Got ${got ? `'${got}'` : 'none'}; send application/json.`,
    ],
  });

const FASTIFY_JSON_ERRORS = new Set(['FST_ERR_CTP_INVALID_JSON_BODY']);

/** Turns anything thrown on the Ed-Fi surface into an Ed-Fi problem. */
export function toEdfiError(error: FastifyError | Error, request: FastifyRequest): GatewayError {
  if (error instanceof GatewayError) return error;
  const fe = error as FastifyError;
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return badRequest(['A non-empty request body is required.']);
  if ((fe.code && FASTIFY_JSON_ERRORS.has(fe.code)) || error instanceof SyntaxError) {
    return dataValidationFailed({ '$.': [fe.message] });
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType(request.headers['content-type']);
  return toGatewayError(error, request.body);
}

/** Error and not-found handlers for the Ed-Fi routes (encapsulated: other surfaces keep theirs). */
export function registerEdfiProblemHandlers(app: FastifyInstance, opts: { notFound: boolean }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ge = toEdfiError(error, request);
    if (ge.status >= 500) request.log.error({ err: error }, 'unhandled error on the Ed-Fi surface');
    return sendEdfiProblem(reply, request, ge);
  });
  // One not-found handler per prefix: the prefixed data scopes set theirs; the root keeps the gateway's.
  if (opts.notFound) app.setNotFoundHandler((request, reply) => sendEdfiProblem(reply, request, notFound()));
}
