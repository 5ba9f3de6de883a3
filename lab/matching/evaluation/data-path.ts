/** Where the shared labelled data sets live: `../shared/data` beside the repo, or $MSIX_SHARED_DATA. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function sharedDataDir(): string {
  return process.env.MSIX_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
}

export function sharedDataFile(...parts: string[]): string {
  return path.join(sharedDataDir(), ...parts);
}
