// The nightly-size hostile-input run (issue 18 item 2): every target in test/fuzz/ with FUZZ_RUNS inputs (default
// 10,000) from a fixed seed (FUZZ_SEED, printed), on the suite's own Postgres and Redis (vitest's global setup).
// `npm test` runs the same properties on a small sample. Extra arguments go to vitest (e.g. a single file).
//
//   npm run fuzz                                  # 10,000 inputs per target, the fixed seed
//   FUZZ_RUNS=50000 FUZZ_SEED=7 npm run fuzz -- test/fuzz/http.test.ts
import { spawnSync } from 'node:child_process';

const runs = process.env.FUZZ_RUNS || '10000';
const seed = process.env.FUZZ_SEED || '20261203';
const files = process.argv.slice(2);
console.log(`Hostile-input fuzz: ${runs} inputs per target, FUZZ_SEED=${seed}`);
const started = Date.now();
const r = spawnSync('npx', ['vitest', 'run', ...(files.length ? files : ['test/fuzz'])], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed },
});
console.log(`Fuzz run ended (exit ${r.status}) after ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(r.status ?? 1);
