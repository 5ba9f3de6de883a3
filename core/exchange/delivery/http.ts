import { fetch, type Dispatcher } from 'undici';
import type { ChannelResult } from './channel.js';
import { retryAfterMs, type BackoffPolicy } from './backoff.js';

/**
 * What came back from one HTTP call: a response, a network-level failure (refused, reset, timed out), or a connection
 * the outbound policy refused at connect time (the host resolved to a non-public address).
 */
export type HttpOutcome =
  | { kind: 'response'; status: number; retryAfter: string | null; text: string }
  | { kind: 'network'; reason: string }
  | { kind: 'refused'; reason: string };

/**
 * One HTTP call with a hard timeout, through `dispatcher` when given (the outbound agent that pins each connection to
 * the addresses its policy checked); network failures become a value, never an exception.
 */
export async function httpCall(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  dispatcher?: Dispatcher,
): Promise<HttpOutcome> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: ac.signal,
      redirect: 'manual',
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.text();
    return { kind: 'response', status: res.status, retryAfter: res.headers.get('retry-after'), text };
  } catch (e) {
    if (ac.signal.aborted) return { kind: 'network', reason: `no answer within ${timeoutMs} ms` };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'EOUTBOUNDREFUSED') return { kind: 'refused', reason: `not called: ${cause.message}` };
    return { kind: 'network', reason: cause?.code ?? cause?.message ?? (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Maps an HTTP outcome to a channel result: 2xx ok; 408/425/429/5xx and network failures transient; other statuses
 * invalid.
 */
export function classifyHttp(o: HttpOutcome, policy: BackoffPolicy): ChannelResult {
  if (o.kind === 'network') return { kind: 'transient', reason: o.reason };
  if (o.kind === 'refused') return { kind: 'invalid', reason: o.reason };
  if (o.status >= 200 && o.status < 300) return { kind: 'ok', status: o.status };
  // The answer's body is never kept (issue 13 finding 6): stored in lastError it would turn the gateway into a port
  // scanner that reads back what any address says.
  if (RETRYABLE.has(o.status) || o.status >= 500) {
    const after = retryAfterMs(o.retryAfter, policy);
    return {
      kind: 'transient',
      status: o.status,
      reason: `HTTP ${o.status}`,
      ...(after !== null ? { retryAfterMs: after } : {}),
    };
  }
  if (o.status >= 300 && o.status < 400)
    return {
      kind: 'invalid',
      status: o.status,
      reason: `HTTP ${o.status}: redirects are not followed; configure the final URL`,
    };
  return { kind: 'invalid', status: o.status, reason: `HTTP ${o.status}` };
}
