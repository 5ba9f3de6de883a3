import { Type, type Static } from 'typebox';
import type { Db } from '../store/db.js';
import { SEALED_PREFIX, seal, unseal } from '../security/seal.js';
import { type FieldIssue, toFieldIssues, validatorFor } from '@msix/adapter-sdk/canonical';

const Url = Type.String({
  minLength: 8,
  maxLength: 2000,
  description: 'https://…, or http:// on a loopback address (development).',
});
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
  // A state's own SIF provider: events POSTed to its events connector, signed SIF_HMACSHA256 with the session token
  // and secret of the environment the provider gave the gateway.
  Type.Object(
    {
      channel: Type.Literal('sif'),
      eventsUrl: Url,
      sessionToken: Type.String({ minLength: 1, maxLength: 500 }),
      secret: Type.String({ minLength: 1, maxLength: 500 }),
      zoneId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    },
    { additionalProperties: false },
  ),
]);
export type DeliveryConfig = Static<typeof DeliveryConfigSchema>;

/** A state that keeps its records at home: the gateway asks its Ed-Fi API when a request needs them. */
export const SourceConfigSchema = Type.Object(
  { kind: Type.Literal('edfi'), ...OAuthClient },
  { additionalProperties: false },
);
export type SourceConfig = Static<typeof SourceConfigSchema>;

export const EndpointInputSchema = Type.Object(
  {
    delivery: DeliveryConfigSchema,
    source: Type.Optional(Type.Union([SourceConfigSchema, Type.Null()])),
  },
  { additionalProperties: false },
);
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
  return {
    path,
    value,
    rule: 'https',
    message: 'must use https (plain http is allowed only on a loopback address)',
    fix: 'Serve the endpoint over TLS and give its https:// URL.',
  };
}

export type EndpointCheck = { kind: 'ok'; input: EndpointInput } | { kind: 'invalid'; issues: FieldIssue[] };

const HIDDEN = '********';
const SECRET_FIELDS = new Set(['secret', 'clientSecret']);

/** A refusal never echoes a secret back (a too-short secret, a secret inside a delivery of the wrong shape). */
function hideSecretsIn(issue: FieldIssue): FieldIssue {
  const last = issue.path.split('/').at(-1) ?? '';
  if (SECRET_FIELDS.has(last)) return { ...issue, value: HIDDEN };
  if (issue.value && typeof issue.value === 'object' && !Array.isArray(issue.value)) {
    const v = issue.value as Record<string, unknown>;
    const hidden = (o: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(o).map(([k, x]) => [
          k,
          SECRET_FIELDS.has(k)
            ? HIDDEN
            : x && typeof x === 'object' && !Array.isArray(x)
              ? hidden(x as Record<string, unknown>)
              : x,
        ]),
      );
    return { ...issue, value: hidden(v) };
  }
  return issue;
}

/** Every URL an endpoint configuration makes the gateway call (delivery, token endpoints, live source). */
export function endpointUrls(e: Pick<EndpointInput, 'delivery' | 'source'>): string[] {
  const out: string[] = [];
  const d = e.delivery;
  if (d.channel === 'webhook') out.push(d.url);
  if (d.channel === 'edfi') out.push(d.apiBase, d.tokenUrl);
  if (e.source) out.push(e.source.apiBase, e.source.tokenUrl);
  return out;
}

/** Validates an endpoint configuration: shape, then the URL policy. */
export function checkEndpointInput(data: unknown): EndpointCheck {
  const validate = validatorFor<EndpointInput>(EndpointInputSchema);
  if (!validate(data)) return { kind: 'invalid', issues: toFieldIssues(validate.errors, data).map(hideSecretsIn) };
  const issues: FieldIssue[] = [];
  const d = data.delivery;
  if (d.channel === 'webhook')
    issues.push(...[urlIssue('/delivery/url', d.url)].filter((x): x is FieldIssue => x !== null));
  if (d.channel === 'sif')
    issues.push(...[urlIssue('/delivery/eventsUrl', d.eventsUrl)].filter((x): x is FieldIssue => x !== null));
  if (d.channel === 'edfi')
    issues.push(
      ...[urlIssue('/delivery/apiBase', d.apiBase), urlIssue('/delivery/tokenUrl', d.tokenUrl)].filter(
        (x): x is FieldIssue => x !== null,
      ),
    );
  if (data.source)
    issues.push(
      ...[urlIssue('/source/apiBase', data.source.apiBase), urlIssue('/source/tokenUrl', data.source.tokenUrl)].filter(
        (x): x is FieldIssue => x !== null,
      ),
    );
  // A secret that looks sealed would be read back as sealed: refuse it rather than fail at delivery.
  const given: Array<[string, string]> = [];
  if (d.channel === 'webhook' || d.channel === 'sif') given.push(['/delivery/secret', d.secret]);
  if (d.channel === 'edfi') given.push(['/delivery/clientSecret', d.clientSecret]);
  if (data.source) given.push(['/source/clientSecret', data.source.clientSecret]);
  for (const [path, v] of given) {
    if (v.startsWith(SEALED_PREFIX))
      issues.push({
        path,
        value: HIDDEN,
        rule: 'format',
        message: `must not start with '${SEALED_PREFIX}'`,
        fix: 'Give the secret itself, not a sealed value.',
      });
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'ok', input: data };
}

/**
 * The gateway cannot open a stored endpoint secret: it is sealed and the
 * sealing secret (SIGNING_KEY_SECRET) is missing or not the one it was sealed
 * with. A configuration problem of this gateway, not of the state.
 */
export class EndpointSecretError extends Error {
  constructor(
    readonly stateCode: string,
    readonly reason: 'no-secret' | 'wrong-secret',
    field: string,
  ) {
    super(
      reason === 'no-secret'
        ? `${stateCode}'s endpoint ${field} is sealed but SIGNING_KEY_SECRET is not set on this gateway`
        : `SIGNING_KEY_SECRET does not open ${stateCode}'s endpoint ${field} (sealed with another secret); ` +
            `set the secret it was sealed with, or configure the endpoint again`,
    );
    this.name = 'EndpointSecretError';
  }
}

type WithSecrets = DeliveryConfig | SourceConfig;

/** Seals the secret fields of one configuration (as is without a sealing secret). */
function sealSecrets<T extends WithSecrets>(c: T, sealSecret: string): T {
  const out: Record<string, unknown> = { ...c };
  for (const k of SECRET_FIELDS) if (typeof out[k] === 'string') out[k] = seal(out[k] as string, sealSecret);
  return out as T;
}

/**
 * Opens the secret fields of one stored configuration; a value not starting with `sealed:v1:` was stored before sealing
 * and is taken as is.
 */
function openSecrets<T extends WithSecrets>(c: T, sealSecret: string, stateCode: string, where: string): T {
  const out: Record<string, unknown> = { ...c };
  for (const k of SECRET_FIELDS) {
    if (typeof out[k] !== 'string') continue;
    const u = unseal(out[k] as string, sealSecret);
    if (u.kind !== 'ok') throw new EndpointSecretError(stateCode, u.kind, `${where}.${k}`);
    out[k] = u.plain;
  }
  return out as T;
}

interface Row {
  state_code: string;
  delivery: DeliveryConfig;
  source: SourceConfig | null;
  updated_at: Date | string;
  updated_by: string;
}

/**
 * A state's endpoint with its secrets as stored (sealed, or plain if stored
 * before sealing or without a sealing secret). Only for showing, through
 * redactEndpoint; delivering needs getEndpoint.
 */
export async function getStoredEndpoint(db: Db, stateCode: string): Promise<Endpoint> {
  const r = await db.query<Row>('SELECT * FROM exchange_endpoints WHERE state_code = $1', [stateCode]);
  const row = r.rows[0];
  if (!row) return { stateCode, delivery: INBOX, source: null, updatedAt: null, updatedBy: null };
  return {
    stateCode,
    delivery: row.delivery,
    source: row.source,
    updatedAt: new Date(row.updated_at).toISOString(),
    updatedBy: row.updated_by,
  };
}

/**
 * A state's endpoint with its secrets opened, for delivering; a state never
 * configured gets the inbox and no live source. `sealSecret` is
 * SIGNING_KEY_SECRET. Throws EndpointSecretError when a secret is sealed and
 * `sealSecret` is missing or wrong.
 */
export async function getEndpoint(db: Db, stateCode: string, sealSecret = ''): Promise<Endpoint> {
  const e = await getStoredEndpoint(db, stateCode);
  return {
    ...e,
    delivery: openSecrets(e.delivery, sealSecret, stateCode, 'delivery'),
    source: e.source ? openSecrets(e.source, sealSecret, stateCode, 'source') : null,
  };
}

/**
 * Sets a state's endpoint (already checked with checkEndpointInput). With a
 * `sealSecret` (SIGNING_KEY_SECRET) its secrets are stored sealed
 * (AES-256-GCM); without one, as given. Returns the endpoint as stored.
 */
export async function putEndpoint(
  db: Db,
  stateCode: string,
  input: EndpointInput,
  by: string,
  sealSecret = '',
): Promise<Endpoint> {
  const delivery = sealSecrets(input.delivery, sealSecret);
  const source = input.source ? sealSecrets(input.source, sealSecret) : null;
  await db.query(
    `INSERT INTO exchange_endpoints (state_code, delivery, source, updated_at, updated_by)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (state_code) DO UPDATE SET delivery = EXCLUDED.delivery, source = EXCLUDED.source, updated_at = now(),
     updated_by = EXCLUDED.updated_by`,
    [stateCode, JSON.stringify(delivery), source ? JSON.stringify(source) : null, by],
  );
  return getStoredEndpoint(db, stateCode);
}

/** The states configured as live sources, for planning a request (no secrets: the delivery reads them when it asks). */
export async function liveSources(db: Db, stateCodes: readonly string[]): Promise<Set<string>> {
  if (!stateCodes.length) return new Set();
  const r = await db.query<{ state_code: string }>(
    'SELECT state_code FROM exchange_endpoints WHERE state_code = ANY($1::text[]) AND source IS NOT NULL',
    [stateCodes],
  );
  return new Set(r.rows.map((x) => x.state_code));
}

/** The endpoint as shown to people: secrets replaced, everything else visible. */
export function redactEndpoint(e: Endpoint): Endpoint {
  const d = e.delivery;
  const delivery: DeliveryConfig =
    d.channel === 'webhook' || d.channel === 'sif'
      ? { ...d, secret: HIDDEN }
      : d.channel === 'edfi'
        ? { ...d, clientSecret: HIDDEN }
        : d;
  return { ...e, delivery, source: e.source ? { ...e.source, clientSecret: HIDDEN } : null };
}
