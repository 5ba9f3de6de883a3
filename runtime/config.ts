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
  PUBLIC_URL: Type.String({ default: '', description: 'Base URL printed and used in links; defaults to http://HOST:PORT.' }),
  DATABASE_URL: Type.String({ default: '', description: 'Postgres connection string. Empty: embedded PGlite under DATA_DIR/pglite.' }),
  REDIS_URL: Type.String({ default: '', description: 'Redis connection string. Empty: a local redis-server is started on a free port.' }),
  DATA_DIR: Type.String({ default: './.data', description: 'Where embedded PGlite, the embedded Redis and uploaded files live.' }),
  ROLE: Type.Union([Type.Literal('all'), Type.Literal('gateway'), Type.Literal('worker')], { default: 'all', description: 'What this process runs: gateway, worker, or both.' }),
  DEMO_DATA: Type.Boolean({ default: false, description: 'Load the demo states and students at start (npm start sets it).' }),
  LOG_LEVEL: Type.String({ default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace, silent.' }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 5_242_880, minimum: 1024, description: 'Largest JSON or XML body accepted (413 above it).' }),
  MAX_RECORDS_PER_REQUEST: Type.Integer({ default: 1000, minimum: 1, description: 'Most records one synchronous write may carry.' }),
  GRADUATION_CREDITS: Type.Number({ default: 22, minimum: 0, description: 'Credits a diploma needs, for graduation progress in the consolidated record.' }),
  WORKER_CONCURRENCY: Type.Integer({ default: 4, minimum: 1, description: 'Jobs each queue processes at once in this process.' }),
  MATCH_SWEEP_MS: Type.Integer({ default: 30_000, minimum: 1000, description: 'How often the worker re-enqueues records accepted while the queue was unreachable.' }),
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
    const msg = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || e.params && JSON.stringify(e.params)} ${e.message}`).join('; ');
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
