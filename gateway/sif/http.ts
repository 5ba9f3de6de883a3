/**
 * HTTP conventions of the SIF 3 surface: matrix parameters and media-type suffixes on the last path segment, XML or
 * Goessner JSON chosen by suffix, Accept or Content-Type, the SIF response headers, and errors as SIF `error`
 * objects (code, scope, message, description) in the caller's representation.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, type ErrorCode } from '../../core/errors.js';
import { errorTree, SIF_INFRA_NS } from '../../core/sif/infra.js';
import { writeGoessnerXml, type SifElement } from '../../mappings/sif/tree.js';
import { toGatewayError } from '../plugins/problems.js';

export type Media = 'xml' | 'json';

/** One path segment with its matrix parameters and media suffix: `StudentPersonals;zoneId=TX.json`. */
export interface Segment {
  name: string;
  matrix: Record<string, string>;
  suffix: Media | null;
}

/**
 * Reads a path segment as the router hands it over: already percent-decoded, so it is not decoded again (a second
 * decode read `%41` in a RefId as `A`, and threw on a `%` left by the first, which answered 500).
 */
export function parseSegment(raw: string): Segment {
  const [head = '', ...params] = raw.split(';');
  const matrix: Record<string, string> = {};
  let suffix: Media | null = null;
  const strip = (s: string) => {
    const m = /\.(json|xml)$/i.exec(s);
    if (!m) return s;
    suffix = m[1]!.toLowerCase() as Media;
    return s.slice(0, -m[0].length);
  };
  const name = strip(head);
  params.forEach((p, i) => {
    const eq = p.indexOf('=');
    if (eq <= 0) return;
    const value = p.slice(eq + 1);
    matrix[p.slice(0, eq)] = i === params.length - 1 ? strip(value) : value;
  });
  return { name, matrix, suffix };
}

/** The representation to answer in: the suffix, else Accept, else the request's Content-Type, else XML. */
export function responseMedia(request: FastifyRequest, suffix: Media | null = null): Media {
  if (suffix) return suffix;
  const accept = String(request.headers.accept ?? '');
  if (/json/i.test(accept) && !/xml/i.test(accept)) return 'json';
  if (/xml/i.test(accept)) return 'xml';
  return /json/i.test(String(request.headers['content-type'] ?? '')) ? 'json' : 'xml';
}

/** The representation of the request body, by Content-Type (null: not one the SIF surface reads). */
export function requestMedia(request: FastifyRequest): Media | null {
  const ct = String(request.headers['content-type'] ?? '').toLowerCase();
  if (/^application\/(.+\+)?json/.test(ct)) return 'json';
  if (/^(application|text)\/(.+\+)?xml/.test(ct)) return 'xml';
  return null;
}

/** A header value as one string. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The headers every SIF answer carries: messageId, timestamp, the requestId echoed, messageType. */
export function sifHeaders(reply: FastifyReply, request: FastifyRequest, extra: Record<string, string> = {}): void {
  reply.header('messageId', randomUUID());
  reply.header('timestamp', new Date().toISOString());
  reply.header('messageType', reply.statusCode >= 400 ? 'ERROR' : 'RESPONSE');
  const requestId = header(request, 'requestId');
  if (requestId && /^[\w.:-]{1,100}$/.test(requestId)) reply.header('requestId', requestId);
  for (const [k, v] of Object.entries(extra)) reply.header(k, v);
}

/** Sends a SIF document (data model or infrastructure) as XML or Goessner JSON. */
export function sendSif(
  reply: FastifyReply,
  request: FastifyRequest,
  doc: { ns: string; root: string; tree: SifElement; xml?: string },
  media: Media,
  extra: Record<string, string> = {},
): FastifyReply {
  sifHeaders(reply, request, extra);
  if (media === 'json') return reply.type('application/json; charset=utf-8').send({ [doc.root]: doc.tree });
  return reply.type('application/xml; charset=utf-8').send(doc.xml ?? writeGoessnerXml(doc.ns, doc.root, doc.tree));
}

const SCOPES: Partial<Record<ErrorCode, string>> = {
  GW_ERR_UNAUTHENTICATED: 'Authentication',
  GW_ERR_FORBIDDEN: 'Authorization',
  GW_ERR_STATE_MISMATCH: 'Authorization',
  GW_ERR_NOT_FOUND: 'NotFound',
  GW_ERR_TOO_LARGE: 'PayloadTooLarge',
  GW_ERR_MEDIA_TYPE: 'MediaType',
  GW_ERR_BAD_XML: 'Payload',
  GW_ERR_BAD_JSON: 'Payload',
  GW_ERR_RATE_LIMITED: 'RateLimit',
  GW_ERR_CONFLICT: 'Conflict',
  GW_ERR_METHOD_NOT_ALLOWED: 'Method',
  GW_ERR_NOT_ACCEPTABLE: 'MediaType',
};

/** A SIF error with its own scope (the gateway's code rides along in the description's first words). */
export class SifError extends GatewayError {
  constructor(
    code: ErrorCode,
    readonly scope: string,
    message: string,
    readonly description?: string,
  ) {
    super(code, message);
  }
}

export function sendSifError(reply: FastifyReply, request: FastifyRequest, err: GatewayError): FastifyReply {
  const scope = err instanceof SifError ? err.scope : (SCOPES[err.code] ?? 'Request');
  const message = err.status >= 500 ? 'An unexpected error occurred; it is logged with the requestId.' : err.message;
  const description = [`${err.code}.`, err instanceof SifError ? err.description : undefined].filter(Boolean).join(' ');
  reply.code(err.status);
  const tree = errorTree({ id: request.id, code: err.status, scope, message, description });
  let media: Media = 'xml';
  try {
    media = responseMedia(request, parseSegment(request.url.split('?')[0]!.split('/').at(-1) ?? '').suffix);
  } catch {
    media = 'xml';
  }
  return sendSif(reply, request, { ns: SIF_INFRA_NS, root: 'error', tree }, media);
}

/** Error and not-found handlers for the SIF routes: every failure is a SIF `error` object, never a 500 for input. */
export function registerSifErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ge = toGatewayError(error, request.body);
    if (ge.status >= 500) request.log.error({ err: error }, 'unhandled error on the SIF surface');
    return sendSifError(reply, request, ge);
  });
  app.setNotFoundHandler((request, reply) =>
    sendSifError(
      reply,
      request,
      new GatewayError('GW_ERR_NOT_FOUND', `No SIF service at ${request.url.split('?')[0]}.`),
    ),
  );
}
