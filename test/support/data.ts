import { existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The shared test data folder, read in place: ../shared/data beside the repo, or MSIX_SHARED_DATA. */
export function sharedDataDir(): string {
  return process.env.MSIX_SHARED_DATA ?? resolve(ROOT, '..', 'shared', 'data');
}

/**
 * Path to a shared data file. Under CI a missing file is a failure, never a
 * skip; locally the same failure explains where the data is expected.
 */
export function sharedData(...parts: string[]): string {
  const p = join(sharedDataDir(), ...parts);
  if (!existsSync(p)) throw new Error(`test data missing: ${p} (set MSIX_SHARED_DATA to the shared/data folder)`);
  return p;
}
