import { type StateRecord, validateStateRecord } from '@msix/adapter-sdk/canonical';
import type { BackoffPolicy } from '../delivery/backoff.js';
import type { SendContext } from '../delivery/channel.js';
import { edfiResourceUrl } from '../delivery/channels/edfi-push.js';
import type { SourceConfig } from '../endpoints.js';
import { classifyHttp, httpCall } from '../delivery/http.js';
import type { TokenProvider } from '../delivery/oauth-token.js';

/** What the gateway asks a live source: a child by the state's own id, or by name and birth date. */
export type SourceQuery = { stateStudentId: string } | { firstName: string; lastName1: string; birthDate: string };

/** The answer of a live source: its current records of the child (none: it does not know the child). */
export type SourceResult =
  | { kind: 'ok'; records: StateRecord[] }
  | { kind: 'invalid'; reason: string; status?: number }
  | { kind: 'unsupported'; reason: string }
  | { kind: 'transient'; reason: string; status?: number; retryAfterMs?: number };

export interface SourceConnector {
  fetch(stateCode: string, query: SourceQuery, config: SourceConfig, ctx: SendContext): Promise<SourceResult>;
}

/** The query string of the `migrant/studentRecords` resource, in Ed-Fi's field names. */
export function sourceQueryString(q: SourceQuery): string {
  const p = new URLSearchParams(
    'stateStudentId' in q
      ? { studentUniqueId: q.stateStudentId }
      : { firstName: q.firstName, lastSurname: q.lastName1, birthDate: q.birthDate },
  );
  return p.toString();
}

/**
 * Asks a state's Ed-Fi API for its records of one child through the
 * `migrant/studentRecords` extension resource, which answers canonical state
 * records (the MSIX minimum data elements). Every record that comes back is
 * validated like any submission; one that fails, or claims another state, makes
 * the answer invalid rather than half-trusted.
 */
export function edfiSourceConnector(tokens: TokenProvider, policy: BackoffPolicy): SourceConnector {
  return {
    async fetch(stateCode, query, config, ctx) {
      const t = await tokens.token(config, ctx.timeoutMs, ctx.dispatcher);
      if (t.kind !== 'ok') return t;
      const url = `${edfiResourceUrl(config.apiBase, 'studentRecords')}?${sourceQueryString(query)}`;
      const outcome = await httpCall(
        url,
        { method: 'GET', headers: { accept: 'application/json', authorization: `Bearer ${t.token}` } },
        ctx.timeoutMs,
        ctx.dispatcher,
      );
      if (outcome.kind === 'response' && outcome.status === 401) {
        tokens.invalidate(config);
        return {
          kind: 'transient',
          status: 401,
          reason: 'the Ed-Fi API refused the token; a new one will be requested',
        };
      }
      if (outcome.kind === 'response' && outcome.status === 404) return { kind: 'ok', records: [] };
      const c = classifyHttp(outcome, policy);
      if (c.kind !== 'ok' || outcome.kind !== 'response')
        return c.kind === 'ok' ? { kind: 'transient', reason: 'no body' } : c;
      let parsed: unknown;
      try {
        parsed = JSON.parse(outcome.text);
      } catch {
        return { kind: 'invalid', reason: `${stateCode} answered with a body that is not JSON` };
      }
      if (!Array.isArray(parsed))
        return { kind: 'invalid', reason: `${stateCode} answered with ${typeof parsed}, not an array of records` };
      const records: StateRecord[] = [];
      for (const [i, item] of parsed.entries()) {
        const v = validateStateRecord(item);
        if (v.kind !== 'ok')
          return {
            kind: 'invalid',
            reason: `${stateCode} record ${i} is invalid: ${v.issues
              .slice(0, 3)
              .map((x) => `${x.path} ${x.message}`)
              .join('; ')}`,
          };
        if (v.record.stateCode !== stateCode)
          return { kind: 'invalid', reason: `${stateCode} answered with a record of ${v.record.stateCode}` };
        records.push(v.record);
      }
      return { kind: 'ok', records };
    },
  };
}
