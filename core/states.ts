import type { Db } from './store/db.js';
import { codesets } from '@msix/adapter-sdk/canonical';

/** Registers every U.S. state and territory code once, so a state code outside the set is simply unknown. */
export async function ensureStates(db: Db): Promise<void> {
  const codes = codesets.usState.codes;
  await db.query(
    `INSERT INTO states (code, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (code) DO NOTHING`,
    [codes.map((c) => c.code), codes.map((c) => c.label)],
  );
}

export interface StateInfo {
  code: string;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

export async function getState(db: Db, code: string): Promise<StateInfo | null> {
  if (!/^[A-Za-z]{2}$/.test(code)) return null;
  const r = await db.query<StateInfo>('SELECT code, name, enabled, config FROM states WHERE code = $1', [
    code.toUpperCase(),
  ]);
  return r.rows[0] ?? null;
}

/** The adapter a state's files use when an upload names none, and that adapter's configuration for the state. */
export interface StateAdapterChoice {
  adapter: string | null;
  config: unknown;
}

/** The state's chosen adapter (null: inferred from the file name) and its configuration for it. */
export function stateAdapterChoice(state: StateInfo): StateAdapterChoice {
  const c = state.config as { adapter?: string; adapters?: Record<string, unknown> };
  const adapter = typeof c.adapter === 'string' ? c.adapter : null;
  return { adapter, config: adapter ? (c.adapters?.[adapter] ?? {}) : {} };
}

/**
 * Records which adapter reads a state's files and with which configuration (the ingest reads
 * `config.adapters[id]` for every file of the state that adapter reads). The caller has checked both.
 */
export async function chooseStateAdapter(db: Db, code: string, adapter: string, config: unknown): Promise<void> {
  await db.query(
    `UPDATE states SET config = jsonb_set(
       jsonb_set(config, '{adapter}', to_jsonb($2::text)),
       '{adapters}', coalesce(config->'adapters', '{}'::jsonb) || jsonb_build_object($2::text, $3::jsonb))
     WHERE code = $1`,
    [code, adapter, JSON.stringify(config ?? {})],
  );
}
