import { Type, type Static } from 'typebox';
import type { Db } from '../store/db.js';
import type { FieldIssue } from '../../specs/issues.js';
import { toFieldIssues, validatorFor } from '../../specs/validation.js';

const Url = Type.String({ minLength: 8, maxLength: 2000, description: 'https://…, or http:// on a loopback address (development).' });
const Secret = Type.String({ minLength: 16, maxLength: 500 });

/** OAuth2 client credentials at a state's own token endpoint (Ed-Fi `/oauth/token`). */
const OAuthClient = {
  apiBase: Type.String({ minLength: 8, maxLength: 2000, description: 'Root of the Ed-Fi API, before /data/v3.' }),
  tokenUrl: Url,
  clientId: Type.String({ minLength: 1, maxLength: 200 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 500 }),
  scope: Type.Optional(Type.String({ maxLength: 500 })),
};

/**
 * How messages reach a state. The inbox is the default and cannot fail, so a
 * state without a configured system still gets everything (it polls).
 */
export const DeliveryConfigSchema = Type.Union([
  Type.Object({ channel: Type.Literal('inbox') }, { additionalProperties: false }),
  Type.Object({ channel: Type.Literal('webhook'), url: Url, secret: Secret }, { additionalProperties: false }),
  Type.Object({ channel: Type.Literal('edfi'), ...OAuthClient }, { additionalProperties: false }),
]);
export type DeliveryConfig = Static<typeof DeliveryConfigSchema>;

/** A state that keeps its records at home: the gateway asks its Ed-Fi API when a request needs them. */
export const SourceConfigSchema = Type.Object({ kind: Type.Literal('edfi'), ...OAuthClient }, { additionalProperties: false });
export type SourceConfig = Static<typeof SourceConfigSchema>;

export const EndpointInputSchema = Type.Object({
  delivery: DeliveryConfigSchema,
  source: Type.Optional(Type.Union([SourceConfigSchema, Type.Null()])),
}, { additionalProperties: false });
export type EndpointInput = Static<typeof EndpointInputSchema>;

export interface Endpoint {
  stateCode: string;
  delivery: DeliveryConfig;
  source: SourceConfig | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export const INBOX: DeliveryConfig = { channel: 'inbox' };

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * Endpoint URLs must be https, except on the loopback interface (tests, the
 * simulator, a state system's local agent). This keeps student data off plain
 * HTTP on any real network.
 */
export function urlIssue(path: string, value: string): FieldIssue | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return { path, value, rule: 'format', message: 'is not a URL', fix: 'Give an absolute https:// URL.' };
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return null;
  return { path, value, rule: 'https', message: 'must use https (plain http is allowed only on a loopback address)', fix: 'Serve the endpoint over TLS and give its https:// URL.' };
}

export type EndpointCheck = { kind: 'ok'; input: EndpointInput } | { kind: 'invalid'; issues: FieldIssue[] };

/** Validates an endpoint configuration: shape, then the URL policy. */
export function checkEndpointInput(data: unknown): EndpointCheck {
  const validate = validatorFor<EndpointInput>(EndpointInputSchema);
  if (!validate(data)) return { kind: 'invalid', issues: toFieldIssues(validate.errors, data) };
  const issues: FieldIssue[] = [];
  const d = data.delivery;
  if (d.channel === 'webhook') issues.push(...[urlIssue('/delivery/url', d.url)].filter((x): x is FieldIssue => x !== null));
  if (d.channel === 'edfi') issues.push(...[urlIssue('/delivery/apiBase', d.apiBase), urlIssue('/delivery/tokenUrl', d.tokenUrl)].filter((x): x is FieldIssue => x !== null));
  if (data.source) issues.push(...[urlIssue('/source/apiBase', data.source.apiBase), urlIssue('/source/tokenUrl', data.source.tokenUrl)].filter((x): x is FieldIssue => x !== null));
  return issues.length ? { kind: 'invalid', issues } : { kind: 'ok', input: data };
}

interface Row { state_code: string; delivery: DeliveryConfig; source: SourceConfig | null; updated_at: Date | string; updated_by: string }

/** A state's endpoint; a state never configured gets the inbox and no live source. */
export async function getEndpoint(db: Db, stateCode: string): Promise<Endpoint> {
  const r = await db.query<Row>('SELECT * FROM exchange_endpoints WHERE state_code = $1', [stateCode]);
  const row = r.rows[0];
  if (!row) return { stateCode, delivery: INBOX, source: null, updatedAt: null, updatedBy: null };
  return { stateCode, delivery: row.delivery, source: row.source, updatedAt: new Date(row.updated_at).toISOString(), updatedBy: row.updated_by };
}

/** Sets a state's endpoint (already checked with checkEndpointInput). */
export async function putEndpoint(db: Db, stateCode: string, input: EndpointInput, by: string): Promise<Endpoint> {
  await db.query(
    `INSERT INTO exchange_endpoints (state_code, delivery, source, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (state_code) DO UPDATE SET delivery = EXCLUDED.delivery, source = EXCLUDED.source, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [stateCode, JSON.stringify(input.delivery), input.source ? JSON.stringify(input.source) : null, by],
  );
  return getEndpoint(db, stateCode);
}

/** The states configured as live sources, for planning a request. */
export async function liveSources(db: Db, stateCodes: readonly string[]): Promise<Map<string, SourceConfig>> {
  if (!stateCodes.length) return new Map();
  const r = await db.query<{ state_code: string; source: SourceConfig }>(
    'SELECT state_code, source FROM exchange_endpoints WHERE state_code = ANY($1::text[]) AND source IS NOT NULL', [stateCodes],
  );
  return new Map(r.rows.map((x) => [x.state_code, x.source]));
}

const HIDDEN = '********';

/** The endpoint as shown to people: secrets replaced, everything else visible. */
export function redactEndpoint(e: Endpoint): Endpoint {
  const d = e.delivery;
  const delivery: DeliveryConfig = d.channel === 'webhook' ? { ...d, secret: HIDDEN } : d.channel === 'edfi' ? { ...d, clientSecret: HIDDEN } : d;
  return { ...e, delivery, source: e.source ? { ...e.source, clientSecret: HIDDEN } : null };
}
