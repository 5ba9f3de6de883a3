import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderReport, runConformance } from '@msix/adapter-sdk/conformance';
import { DEFAULT_ADAPTERS_DIR } from '../../adapters/registry.js';

// Every adapter folder in the repo runs the same suite. The large-file check uses
// a smaller file here to keep `npm test` quick; `npm run adapter:check` runs 40,000.
const SMALL: Record<string, number> = { 'edfi-xml': 1_000 };
const students = (id: string) => (process.env.ADAPTER_FULL ? undefined : (SMALL[id] ?? 5_000));

const ids = readdirSync(DEFAULT_ADAPTERS_DIR)
  .filter((d) => existsSync(join(DEFAULT_ADAPTERS_DIR, d, 'manifest.json')))
  .sort();

describe('adapter conformance', () => {
  it('finds the bundled adapters', () => {
    expect(ids).toEqual(expect.arrayContaining(['edfi-xml', 'mis2000-csv', 'msix-typed']));
  });
  for (const id of ids) {
    it(`${id} passes the conformance suite`, async () => {
      const n = students(id);
      const report = await runConformance(join(DEFAULT_ADAPTERS_DIR, id), n ? { largeFileStudents: n } : {});
      expect(report.ok, renderReport(report)).toBe(true);
      expect(report.checks.map((c) => c.name)).toHaveLength(7);
    }, 300_000);
  }
  it('the out-of-tree example packages/adapter-ngs passes the conformance suite', async () => {
    const dir = fileURLToPath(new URL('../../packages/adapter-ngs', import.meta.url));
    // Its sources, as a vendor's own suite runs them (the manifest's entry is the compiled dist/index.js).
    const module = await import('../../packages/adapter-ngs/src/index.js');
    const size = process.env.ADAPTER_FULL ? {} : { largeFileStudents: 5_000 };
    const report = await runConformance(dir, { ...size, load: { module } });
    expect(report.ok, renderReport(report)).toBe(true);
    expect(report.checks).toHaveLength(7);
  }, 300_000);
});
