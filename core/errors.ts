import type { FieldIssue } from '@msix/adapter-sdk/canonical';

/**
 * The one registry of coded errors. Every surface (the canonical API, Ed-Fi,
 * SIF, file reports, the help desk) answers with these codes and statuses, so a
 * help-desk person can look up `GW_ERR_…` once and know what happened.
 */
export const ERRORS = {
  GW_ERR_VALIDATION: { status: 400, title: 'The request has invalid data', type: 'validation' },
  GW_ERR_BAD_JSON: { status: 400, title: 'The body is not valid JSON', type: 'bad-json' },
  GW_ERR_BAD_XML: { status: 400, title: 'The body is not valid or allowed XML', type: 'bad-xml' },
  GW_ERR_BAD_REQUEST: { status: 400, title: 'The request cannot be processed as sent', type: 'bad-request' },
  GW_ERR_UNAUTHENTICATED: { status: 401, title: 'Authentication is required', type: 'unauthenticated' },
  GW_ERR_FORBIDDEN: { status: 403, title: 'Not allowed for this client or user', type: 'forbidden' },
  GW_ERR_STATE_MISMATCH: { status: 403, title: 'A state may only write its own records', type: 'state-mismatch' },
  GW_ERR_NOT_FOUND: { status: 404, title: 'Not found', type: 'not-found' },
  GW_ERR_UNKNOWN_STATE: { status: 404, title: 'Unknown state', type: 'unknown-state' },
  GW_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', type: 'method-not-allowed' },
  GW_ERR_NOT_ACCEPTABLE: { status: 406, title: 'Cannot produce the requested media type', type: 'not-acceptable' },
  GW_ERR_CONFLICT: { status: 409, title: 'The request conflicts with the current state', type: 'conflict' },
  GW_ERR_LOCKED: { status: 409, title: 'The student is locked by a pending merge or split', type: 'locked' },
  GW_ERR_PRECONDITION: { status: 412, title: 'The resource changed since it was read', type: 'precondition-failed' },
  GW_ERR_EDFI_UNRESOLVED_REFERENCE: {
    status: 409,
    title: 'A referenced Ed-Fi item does not exist',
    type: 'edfi-unresolved-reference',
  },
  GW_ERR_EDFI_DEPENDENT_ITEM: {
    status: 409,
    title: 'Other Ed-Fi items still reference this one',
    type: 'edfi-dependent-item-exists',
  },
  GW_ERR_EDFI_IDENTITY_CONFLICT: {
    status: 409,
    title: 'Another Ed-Fi item already has this identity',
    type: 'edfi-identity-conflict',
  },
  GW_ERR_EDFI_KEY_CHANGE: {
    status: 400,
    title: 'The natural key of an Ed-Fi item cannot be changed',
    type: 'edfi-key-change-not-supported',
  },
  GW_ERR_TOO_LARGE: { status: 413, title: 'The body is larger than allowed', type: 'too-large' },
  GW_ERR_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', type: 'unsupported-media-type' },
  GW_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests', type: 'rate-limited' },
  GW_ERR_INTERNAL: { status: 500, title: 'Internal error', type: 'internal' },
  GW_ERR_UNAVAILABLE: { status: 503, title: 'A dependency is unavailable', type: 'unavailable' },
  GW_ERR_OVERLOADED: { status: 503, title: 'The gateway is overloaded', type: 'overloaded' },
  // Exchange between states (record requests, notices, deliveries).
  GW_ERR_UNKNOWN_STUDENT: { status: 404, title: 'No student matches', type: 'unknown-student' },
  GW_ERR_AMBIGUOUS_STUDENT: {
    status: 409,
    title: 'The details match more than one student',
    type: 'ambiguous-student',
  },
  GW_ERR_NOT_ENTITLED: {
    status: 403,
    title: "Your state has no ground to receive this student's records",
    type: 'not-entitled',
  },
  GW_ERR_NOT_HELD: {
    status: 422,
    title: 'Only states holding a record of the child are asked',
    type: 'not-held',
  },
  GW_ERR_SEARCH_BUDGET: { status: 429, title: 'The national search budget is used up', type: 'search-budget' },
  GW_ERR_NO_CONNECTOR: {
    status: 422,
    title: "The gateway has no connector to that state's system",
    type: 'no-connector',
  },
  // Start-up: the schema migrator refuses to start rather than run on a schema it cannot vouch for.
  GW_ERR_MIGRATION_INVALID: { status: 500, title: 'The migration files are not valid', type: 'migration-invalid' },
  GW_ERR_MIGRATION_EDITED: {
    status: 500,
    title: 'A migration the database applied was edited since',
    type: 'migration-edited',
  },
  GW_ERR_MIGRATION_UNKNOWN: {
    status: 500,
    title: 'The database applied a migration this version does not have',
    type: 'migration-unknown',
  },
} as const satisfies Record<string, { status: number; title: string; type: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Base of every problem-type URI (RFC 7807 `type`). */
export const PROBLEM_BASE = 'urn:msix-gateway:problem:';

/**
 * An expected failure with a code from the registry. Thrown inside the shells
 * only; pure core code returns unions instead.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[];
  readonly extra: Record<string, unknown>;
  constructor(code: ErrorCode, detail: string, opts: { issues?: FieldIssue[]; extra?: Record<string, unknown> } = {}) {
    super(detail);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.issues = opts.issues ?? [];
    this.extra = opts.extra ?? {};
  }
}

/** Which backing service an {@link UnavailableError} is about. */
export type Dependency = 'postgres' | 'redis';

/**
 * A backing service (Postgres, Redis) cannot be reached or dropped the
 * connection mid-work. Nothing was committed by the failing unit of work, so
 * the caller may retry: the gateway answers `GW_ERR_UNAVAILABLE` (503) with
 * `Retry-After`, and a job fails its attempt and is retried. Thrown by the
 * store adapters, which is why it is a class and not a result union.
 */
export class UnavailableError extends Error {
  readonly dependency: Dependency;
  /** Seconds a client should wait before trying again (the `Retry-After` header). */
  readonly retryAfterSeconds: number;
  constructor(dependency: Dependency, cause: unknown, retryAfterSeconds = 5) {
    super(`${dependency} is unavailable: ${(cause as Error | undefined)?.message ?? String(cause)}`, { cause });
    this.name = 'UnavailableError';
    this.dependency = dependency;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** RFC 7807 problem details, with the field issues and the correlation id. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  correlationId?: string;
  errors?: FieldIssue[];
  [extra: string]: unknown;
}

export function toProblem(err: GatewayError, correlationId?: string): ProblemDetails {
  const def = ERRORS[err.code];
  return {
    type: PROBLEM_BASE + def.type,
    title: def.title,
    status: def.status,
    detail: err.message,
    code: err.code,
    ...(correlationId ? { correlationId } : {}),
    ...(err.issues.length ? { errors: err.issues } : {}),
    ...err.extra,
  };
}
