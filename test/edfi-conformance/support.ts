/**
 * The conformance suite's case runner: each case is a request and what the
 * Ed-Fi API specification or the ODS/API documentation says the answer is
 * (status, problem `type`, `title`, `detail`, `errors`, headers), so adding a
 * behaviour is adding a row. Problem details are checked against the fields
 * every Ed-Fi problem has (RFC 9457 plus `correlationId`, `validationErrors`,
 * `errors`).
 */
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { AuthedInject } from '../support/auth.js';

export interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'PATCH';
  /** Absolute path; `{id}` is replaced by the id the suite created. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as is (for bodies that are not JSON, or empty ones). */
  rawBody?: string;
  status: number;
  /** Ed-Fi problem fields the answer must have (any subset). */
  problem?: { type?: string; title?: string; detail?: string; errors?: string[]; correlationId?: string };
  /** A `errors` or `validationErrors` message must contain this. */
  mentions?: string;
  headersOut?: Record<string, string | RegExp>;
}

export async function send(
  raw: AuthedInject,
  c: Pick<Case, 'method' | 'url' | 'headers' | 'body' | 'rawBody'>,
  vars: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  let url = c.url;
  for (const [k, v] of Object.entries(vars)) url = url.replaceAll(`{${k}}`, v);
  const headers = { ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}), ...c.headers };
  const payload = c.rawBody ?? (c.body !== undefined ? JSON.stringify(c.body) : undefined);
  return raw({ method: c.method, url, headers, ...(payload !== undefined ? { payload } : {}) });
}

/** Checks one answer against its case. */
export function check(c: Case, r: LightMyRequestResponse): void {
  expect(r.statusCode, `${c.name}: ${r.body.slice(0, 300)}`).toBe(c.status);
  for (const [h, v] of Object.entries(c.headersOut ?? {})) {
    if (typeof v === 'string') expect(r.headers[h], `${c.name}: header ${h}`).toBe(v);
    else expect(String(r.headers[h]), `${c.name}: header ${h}`).toMatch(v);
  }
  if (c.problem || c.mentions) {
    expect(r.headers['content-type'], c.name).toContain('application/problem+json');
    const body = r.json();
    expect(body, c.name).toMatchObject({ status: c.status, ...c.problem });
    expect(typeof body.correlationId, c.name).toBe('string');
    expect(body.type, c.name).toMatch(/^urn:ed-fi:api:/);
    if (c.mentions) {
      const texts = [...(body.errors ?? []), ...Object.values(body.validationErrors ?? {}).flat()].map(String);
      expect(
        texts.some((t) => t.includes(c.mentions!)),
        `${c.name}: ${texts.join(' | ')}`,
      ).toBe(true);
    }
  }
}
