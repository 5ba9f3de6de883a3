/**
 * The engine as the store uses it: one model per process, and the prior's
 * population taken from the store's size but never below the model's
 * reference population, so a young, small store does not link more eagerly
 * than the model was calibrated for.
 */
import { loadDefaultModel } from '../matching/default-model.js';
import type { MatchModel } from '../matching/model.js';
import type { Db } from '../store/db.js';
import { ttlCache } from '../../lib/ttl-cache.js';

let model: MatchModel | null = null;

/** The shipped default model, loaded once. */
export function storeModel(): MatchModel {
  model ??= loadDefaultModel();
  return model;
}

/** The planner's row estimate per database, read again after a minute. */
const population = ttlCache<Db, number>({ max: 16, ttlMs: 60_000 });

/**
 * Approximate number of stored records (planner statistics: no count scan),
 * refreshed at most once a minute, rounded to two significant digits (the
 * engine caches one compiled scorer per population), and at least the
 * model's reference population.
 */
export async function storePopulation(db: Db, m: MatchModel = storeModel()): Promise<number> {
  let value = population.get(db);
  if (value === undefined) {
    const r = await db.query<{ n: number }>(
      `SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'state_records'::regclass`,
    );
    value = Number(r.rows[0]?.n ?? 0);
    population.set(db, value);
  }
  if (value <= m.referencePopulation) return m.referencePopulation;
  const unit = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.round(value / unit) * unit;
}
