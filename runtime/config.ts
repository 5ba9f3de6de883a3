import { Type, type Static } from 'typebox';
import { Ajv } from 'ajv';

/**
 * Every setting the gateway reads, with its default and what it does. This one
 * schema is the source of the README's configuration table
 * (`npm run config:table` prints it).
 */
export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'Address the HTTP server listens on.' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535, description: 'HTTP port (0 picks a free one).' }),
  PUBLIC_URL: Type.String({
    default: '',
    description: 'Base URL printed and used in links; defaults to http://HOST:PORT.',
  }),
  DATABASE_URL: Type.String({
    default: '',
    description: 'Postgres connection string. Empty: embedded PGlite under DATA_DIR/pglite.',
  }),
  DATABASE_READ_URL: Type.String({
    default: '',
    description:
      'Postgres connection string of a read replica (a streaming standby) for the reads that tolerate a ' +
      "moment of lag: child-count reports (API and portal), the portal's find-by-state-id lookup and the " +
      'candidate lookup of national search. Empty: those read DATABASE_URL too. Gateways only.',
  }),
  REDIS_URL: Type.String({
    default: '',
    description: 'Redis connection string. Empty: a local redis-server is started on a free port.',
  }),
  REDIS_MODE: Type.Union([Type.Literal('standalone'), Type.Literal('sentinel'), Type.Literal('cluster')], {
    default: 'standalone',
    description:
      'standalone: one server (REDIS_URL). sentinel: the master REDIS_SENTINEL_NAME found through the sentinels ' +
      'in REDIS_NODES, followed over failovers. cluster: a Redis Cluster reached through the seed nodes in ' +
      'REDIS_NODES; queue keys get a hash tag ({QUEUE_PREFIX}). In both, REDIS_URL gives only user, password ' +
      'and TLS (rediss://).',
  }),
  REDIS_NODES: Type.String({
    default: '',
    description: 'Sentinels (REDIS_MODE=sentinel) or cluster seed nodes (cluster), as host:port,host:port.',
  }),
  REDIS_SENTINEL_NAME: Type.String({
    default: 'mymaster',
    description: 'Name of the master the sentinels watch (REDIS_MODE=sentinel).',
  }),
  REDIS_SENTINEL_PASSWORD: Type.String({
    default: '',
    description: 'Password of the sentinels themselves, when they require one.',
  }),
  DATA_DIR: Type.String({
    default: './.data',
    description: 'Where embedded PGlite, the embedded Redis and uploaded files live.',
  }),
  ROLE: Type.Union([Type.Literal('all'), Type.Literal('gateway'), Type.Literal('worker')], {
    default: 'all',
    description: 'What this process runs: gateway, worker, or both.',
  }),
  DEMO_DATA: Type.Boolean({
    default: false,
    description: 'Load the demo states and students at start (npm start sets it).',
  }),
  LOG_LEVEL: Type.String({
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace, silent.',
  }),
  LOG_FILE: Type.String({
    default: '',
    description:
      'Append the JSON logs to this file instead of stdout. npm start (demo) logs to DATA_DIR/gateway.log unless ' +
      'this is set; "-" keeps them on stdout.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 5_242_880,
    minimum: 1024,
    description: 'Largest JSON or XML body accepted (413 above it).',
  }),
  ADAPTERS: Type.String({
    default: '',
    description:
      'Adapters installed outside the gateway, comma-separated: npm package names (@vendor/adapter-x) or folders ' +
      '(./local/adapter-y). Each is loaded behind the manifest check; a broken one is listed in readiness details.',
  }),
  FILE_LIMIT_BYTES: Type.Integer({
    default: 1_073_741_824,
    minimum: 1024,
    description: 'Largest batch file accepted by POST /api/v1/states/{state}/files (413 above it).',
  }),
  MAX_RECORDS_PER_REQUEST: Type.Integer({
    default: 1000,
    minimum: 1,
    description: 'Most records one synchronous write may carry.',
  }),
  GRADUATION_CREDITS: Type.Number({
    default: 22,
    minimum: 0,
    description: 'Credits a diploma needs, for graduation progress in the consolidated record.',
  }),
  WORKER_CONCURRENCY: Type.Integer({
    default: 4,
    minimum: 1,
    description: 'Jobs each queue processes at once in this process.',
  }),
  MATCH_SWEEP_MS: Type.Integer({
    default: 30_000,
    minimum: 100,
    description:
      'How often the recovery pass (once per cluster) enqueues work whose job was lost or failed: records and ' +
      'files accepted while Redis was unreachable, jobs that used up their attempts during an outage.',
  }),
  STARTUP_WAIT_SECONDS: Type.Integer({
    default: 300,
    minimum: 0,
    description:
      'How long a starting process waits for Postgres and Redis (logged, backing off up to 5 s) before it ' +
      'gives up; 0 waits for ever.',
  }),
  ENQUEUE_TIMEOUT_MS: Type.Integer({
    default: 2000,
    minimum: 50,
    description:
      'Longest an enqueue may take before the write is answered anyway: the job intent is in Postgres and ' +
      'the recovery pass enqueues it when Redis is back.',
  }),
  QUEUE_PREFIX: Type.String({
    default: 'msix',
    pattern: '^[A-Za-z0-9_-]{1,40}$',
    description: 'Prefix of every BullMQ key in Redis; processes of one gateway share it.',
  }),
  JOB_ATTEMPTS: Type.Integer({
    default: 8,
    minimum: 1,
    description: 'Attempts of a match or ingest job before BullMQ fails it (the recovery pass retries it after that).',
  }),
  JOB_BACKOFF_MS: Type.Integer({
    default: 1000,
    minimum: 10,
    description: 'First retry delay of a match or ingest job; it doubles each attempt (8 attempts: about 2 minutes).',
  }),
  INGEST_BATCH_SIZE: Type.Integer({
    default: 500,
    minimum: 1,
    description: 'Records of a batch file stored per transaction (and per checkpoint).',
  }),
  JOB_STALLED_INTERVAL_MS: Type.Integer({
    default: 30_000,
    minimum: 200,
    description: "How often workers look for jobs whose worker died (BullMQ's stalled check); such a job is run again.",
  }),
  INGEST_MAX_STALLS: Type.Integer({
    default: 20,
    minimum: 1,
    description:
      'How many times an ingest job may lose its worker before BullMQ fails it (it resumes from its ' +
      'checkpoint each time, and the recovery pass retries it even then).',
  }),
  TOKEN_ISSUER: Type.String({
    default: '',
    description: 'The `iss` of access tokens the gateway issues. Empty: PUBLIC_URL, or urn:msix-gateway.',
  }),
  TOKEN_AUDIENCE: Type.String({
    default: 'msix-gateway',
    description: 'The `aud` of access tokens the gateway issues and accepts.',
  }),
  TOKEN_TTL_SECONDS: Type.Integer({
    default: 1800,
    minimum: 60,
    maximum: 86_400,
    description: 'Lifetime of a client-credentials access token.',
  }),
  SIGNING_KEY_ROTATE_DAYS: Type.Number({
    default: 30,
    minimum: 0.01,
    description:
      'How long one key signs tokens before a new key takes over; old keys stay published until their tokens expire.',
  }),
  SIGNING_KEY_SECRET: Type.String({
    default: '',
    description:
      'Seals the private signing keys and the endpoint secrets of the states (webhook and client ' +
      'secrets) stored in Postgres (AES-256-GCM). Set it in production, on gateways and workers alike; ' +
      'keep it out of the database backup.',
  }),
  OIDC_ISSUER: Type.String({
    default: '',
    description:
      'External OpenID Connect issuer URL whose tokens are accepted and through which people sign in. ' +
      'Empty: none (npm start runs a development provider).',
  }),
  OIDC_CLIENT_ID: Type.String({
    default: 'msix-gateway',
    description:
      'Client id of the gateway at the OIDC provider (sign-in), and the audience its access tokens must carry.',
  }),
  OIDC_CLIENT_SECRET: Type.String({
    default: '',
    description: 'Client secret at the OIDC provider; empty for a public client using PKCE only.',
  }),
  OIDC_AUDIENCE: Type.String({
    default: '',
    description: 'Audience required in bearer tokens from the OIDC issuer. Empty: OIDC_CLIENT_ID.',
  }),
  OIDC_AUTHORIZED_PARTIES: Type.String({
    default: '',
    description:
      'Comma-separated client ids (azp or client_id) whose OIDC access tokens the API accepts. Empty: any client ' +
      'of the provider. ID tokens are refused whatever this says.',
  }),
  OIDC_ROLES_CLAIM: Type.String({
    default: 'msix_roles',
    description: "Claim (dotted path, e.g. realm_access.roles) holding the user's roles in OIDC tokens.",
  }),
  OIDC_STATE_CLAIM: Type.String({
    default: 'msix_state',
    description: "Claim holding the user's two-letter state in OIDC tokens.",
  }),
  OIDC_ROLE_MAP: Type.String({
    default: '',
    description:
      'JSON object mapping provider role names to gateway roles, e.g. {"msix-counselor":"counselor"}. ' +
      'Unmapped names that are gateway roles pass as is.',
  }),
  OIDC_SCOPES: Type.String({ default: 'openid profile email', description: 'Scopes asked for at sign-in.' }),
  OIDC_ALLOW_HTTP: Type.Boolean({ default: false, description: 'Allow an http:// OIDC issuer (development only).' }),
  DEV_IDP: Type.Boolean({
    default: false,
    description:
      'Run the built-in development OIDC provider with demo users at /dev-idp (npm start sets it). Never ' +
      'in production.',
  }),
  ALERT_WEBHOOK_URL: Type.String({
    default: '',
    description:
      "Where the worker posts the status board's alerts as JSON (one per problem when it opens and when it clears; " +
      'state codes and counts, no student data). Empty: alerts are only shown on the board and in /metrics.',
  }),
  ALERT_CHECK_MS: Type.Integer({
    default: 60_000,
    minimum: 1000,
    description: 'How often the worker compares the alerts with those already sent to ALERT_WEBHOOK_URL.',
  }),
  METRICS_TOKEN: Type.String({
    default: '',
    description:
      'Bearer token Prometheus must send to GET /metrics (counts only, no student data). Empty: /metrics ' +
      'answers anyone who reaches it; set it when the gateway is reachable from outside.',
  }),
  SESSION_TTL_SECONDS: Type.Integer({
    default: 28_800,
    minimum: 300,
    description: 'Lifetime of a sign-in session cookie.',
  }),
  COOKIE_SECURE: Type.Boolean({
    default: false,
    description: 'Mark the session cookie Secure (set it when serving over TLS, as production must).',
  }),
  TRUST_PROXY: Type.String({
    default: '',
    description:
      'Which proxies may set X-Forwarded-For: empty trusts none (the socket address is the caller); "true" ' +
      'trusts every hop; a number trusts that many hops; else a comma-separated list of proxy addresses or ' +
      'CIDRs (e.g. 10.0.0.0/8). Set it behind a load balancer, or every caller shares its address.',
  }),
  RATE_LIMIT_MAX: Type.Integer({
    default: 6000,
    minimum: 1,
    description:
      'Requests per client (or per IP when unauthenticated) per RATE_LIMIT_WINDOW_MS; a state system ' +
      'loading Ed-Fi resources sends many.',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({
    default: 60_000,
    minimum: 1000,
    description: 'Window of the per-client rate limit.',
  }),
  TOKEN_RATE_LIMIT_MAX: Type.Integer({
    default: 30,
    minimum: 1,
    description:
      'Token requests per client id and IP per RATE_LIMIT_WINDOW_MS (slows secret guessing); ten times as many ' +
      'per IP whatever the client id.',
  }),
  // Load shedding (gateway/plugins/overload.ts): 503 with Retry-After before latency collapses.
  OVERLOAD_MAX_IN_FLIGHT: Type.Integer({
    default: 1000,
    minimum: 0,
    description:
      'Requests this gateway process works on at once; one more is answered 503 GW_ERR_OVERLOADED with ' +
      'Retry-After at once instead of queueing behind the others. Health and metrics routes are exempt. 0: no limit.',
  }),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    default: 1000,
    minimum: 0,
    description:
      'Event-loop delay (mean of a 500 ms sample, the lower of the last two) above which requests beyond the ' +
      "4 in flight are shed with 503: the process's CPU is saturated. 0: not checked.",
  }),
  OVERLOAD_MAX_HEAP_USED_MB: Type.Integer({
    default: 0,
    minimum: 0,
    description:
      'V8 heap in use (MiB, sampled every 500 ms) above which requests beyond the 4 in flight are shed with 503; ' +
      'set it below ' +
      '--max-old-space-size (e.g. 90% of it). 0: not checked.',
  }),
  OVERLOAD_RETRY_AFTER_SECONDS: Type.Integer({
    default: 2,
    minimum: 1,
    description: 'Retry-After of a request shed under overload.',
  }),
  // The SIF surface (gateway/sif/plugin.ts) passes it to sifScheme.
  HMAC_REPLAY_WINDOW_SECONDS: Type.Integer({
    default: 300,
    minimum: 10,
    description: 'How far a SIF_HMACSHA256 timestamp may be from now; a signature is accepted once within it.',
  }),
  AUDIT_RETENTION_DAYS: Type.Integer({
    default: 2555,
    minimum: 0,
    description:
      'Audit events older than this are purged by `audit purge` (a checkpoint keeps the chain ' +
      'verifiable); 30 at least, since the database keeps the last 30 days. 0 keeps everything.',
  }),
  AUDIT_HEAD_LOG_SECONDS: Type.Integer({
    default: 3600,
    minimum: 0,
    description:
      'How often the audit chain head (`audit chain head`, seq and hash) is logged, once per cluster by a worker, ' +
      'for log storage to keep as an anchor; the gateway also logs it at start. 0: only at start.',
  }),
  // Outbound safety (docs/security.md#outbound-calls).
  EXCHANGE_ENDPOINT_HOSTS: Type.String({
    default: '',
    description:
      'Allow-list of the hosts each state\'s exchange endpoints may use, as JSON: {"TX":["api.tea.example",' +
      '"*.txmsix.example"]}. Set in production; empty: any public host.',
  }),
  EXCHANGE_ALLOW_PRIVATE_ADDRESSES: Type.Boolean({
    default: false,
    description:
      'Let exchange endpoints resolve to loopback, private or link-local addresses (development and the ' +
      'simulator only; npm start --demo sets it). Never in production.',
  }),
  // National search (docs/security.md#national-search).
  SEARCH_BUDGET_PER_PERSON: Type.Integer({
    default: 25,
    minimum: 1,
    description:
      'National searches by demographics one person may make in a rolling day; the last one raises an alert ' +
      '(log line "national search budget used up" and a search.budget-alert audit event), more are refused.',
  }),
  SEARCH_BUDGET_PER_CLIENT: Type.Integer({
    default: 500,
    minimum: 1,
    description: 'National searches one machine client may make in a rolling day (alert and refusal as above).',
  }),
  SEARCH_GRANT_SECONDS: Type.Integer({
    default: 259_200,
    minimum: 60,
    maximum: 2_592_000,
    description: 'How long a child chosen in a national search stays open to the person who chose it (3 days).',
  }),
  // Exchange between states: record requests, move notices, deliveries (docs/exchange.md).
  EXCHANGE_REQUEST_DEADLINE_SECONDS: Type.Integer({
    default: 30,
    minimum: 1,
    description: 'Deadline of a record request that waits on a live state, unless the request asks for another.',
  }),
  EXCHANGE_ASK_ALL_LIVE_STATES: Type.Boolean({
    default: false,
    description:
      'Policy: a record request also asks every state configured as a live source that holds no record of the ' +
      'child, with minimised demographics (first name, first surname, birth date); off: only states holding ' +
      'the child are asked.',
  }),
  EXCHANGE_REQUEST_MAX_DEADLINE_SECONDS: Type.Integer({
    default: 345_600,
    minimum: 1,
    description: "Longest deadline a record request may ask for (4 days, the regulation's working days).",
  }),
  EXCHANGE_MOVE_WINDOW_DAYS: Type.Integer({
    default: 180,
    minimum: 1,
    description:
      'A move whose new enrollment began longer ago than this is history: no move notice (a state ' +
      'loading back files does not flood others).',
  }),
  EXCHANGE_EVENTS_POLL_MS: Type.Integer({
    default: 500,
    minimum: 50,
    description: 'How often the worker reads the student events outbox for moves.',
  }),
  EXCHANGE_SWEEP_MS: Type.Integer({
    default: 5000,
    minimum: 100,
    description:
      'How often the worker re-enqueues deliveries that should be moving (lost jobs, crashed attempts, ' +
      'released lines) and expires overdue requests.',
  }),
  DELIVERY_MAX_ATTEMPTS: Type.Integer({
    default: 15,
    minimum: 1,
    description: 'Attempts before a delivery is dead (a help-desk retry starts a new round).',
  }),
  DELIVERY_BACKOFF_BASE_MS: Type.Integer({
    default: 2000,
    minimum: 1,
    description: 'First retry delay; it doubles each attempt, with jitter.',
  }),
  DELIVERY_BACKOFF_MAX_MS: Type.Integer({
    default: 900_000,
    minimum: 1,
    description: 'Longest delay between attempts (and between probes of a receiver that is down).',
  }),
  DELIVERY_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: 'One attempt (webhook, Ed-Fi push, live query) gives up after this long.',
  }),
  DELIVERY_CIRCUIT_THRESHOLD: Type.Integer({
    default: 5,
    minimum: 1,
    description:
      'Transient failures in a row after which a receiver is treated as down: one probe at a time until it answers.',
  }),
  DEMO_SIMULATOR: Type.Boolean({
    default: true,
    description:
      'With DEMO_DATA, run the state-system simulator on loopback and wire the demo states to it ' +
      '(webhooks, Ed-Fi push, a live source).',
  }),
});

export type Config = Static<typeof ConfigSchema>;

/** Reads the configuration from an environment, applying defaults and checking types. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const v = env[key];
    if (v === undefined || v === '') continue;
    const type = (schema as { type?: string }).type;
    raw[key] = type === 'integer' || type === 'number' ? Number(v) : type === 'boolean' ? /^(1|true|yes)$/i.test(v) : v;
  }
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
  const validate = ajv.compile(ConfigSchema);
  if (!validate(raw)) {
    const msg = (validate.errors ?? [])
      .map((e) => `${e.instancePath.slice(1) || (e.params && JSON.stringify(e.params))} ${e.message}`)
      .join('; ');
    throw new Error(`invalid configuration: ${msg}`);
  }
  return raw as Config;
}

/** The configuration table for the README, generated from the schema. */
export function configTable(): string {
  const lines = ['| Variable | Default | What it does |', '| --- | --- | --- |'];
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const s = schema as { default?: unknown; description?: string };
    const d = s.default === '' ? '(empty)' : `\`${String(s.default)}\``;
    lines.push(`| \`${key}\` | ${d} | ${s.description ?? ''} |`);
  }
  return lines.join('\n');
}
