import type { Db } from './store/db.js';
import { codesets } from '../specs/codesets.js';

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
