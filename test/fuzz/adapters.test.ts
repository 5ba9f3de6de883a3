/**
 * Hostile state files (issue 18 item 2): every adapter, behind the boundary the gateway runs it behind, is given
 * near-valid mutations of its own valid sample (fields replaced with hostile values, swapped, dropped, lines
 * duplicated or swapped, truncation, invalid UTF-8, long runs of one character). Each input must end in exactly
 * one `end` event with no `adapterError` (an adapter that throws is a defect, not a data problem), every issue must
 * say where and which rule, and each input must be read in bounded time and heap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBytes, writeTar, type LoadedAdapter, type ParseEvent } from '@msix/adapter-sdk';
import { DEFAULT_ADAPTERS_DIR, loadAdapters, loadInstalledAdapter } from '../../adapters/registry.js';
import { announce, assertBounded, fuzzParams, fuzzTimeout, measure, withRetainedHeapBound } from './support/fuzz.js';
import { byteMutation, applyBytes, mutatedLines, mutatedXml } from './support/mutate.js';

announce('adapters');

const adapters = new Map<string, LoadedAdapter>();
beforeAll(async () => {
  const reg = await loadAdapters({ only: ['msix-typed', 'mis2000-csv', 'edfi-xml'] });
  for (const [id, a] of reg.adapters) adapters.set(id, a);
  const ngs = await loadInstalledAdapter(fileURLToPath(new URL('../../packages/adapter-ngs', import.meta.url)), {});
  if (ngs.kind !== 'ok') throw new Error(`adapter-ngs did not load: ${JSON.stringify(ngs)}`);
  adapters.set('ngs-export', ngs.adapter);
  expect([...adapters.keys()].sort()).toEqual(['edfi-xml', 'mis2000-csv', 'msix-typed', 'ngs-export']);
});

const sample = (...p: string[]) => readFileSync(join(...p));
const MSIX = sample(DEFAULT_ADAPTERS_DIR, 'msix-typed', 'fixtures', 'valid', 'tx-daily.msix');
const CSV = sample(DEFAULT_ADAPTERS_DIR, 'mis2000-csv', 'fixtures', 'valid', 'nc-nightly.csv');
const NGS = sample(
  fileURLToPath(new URL('../../packages/adapter-ngs/fixtures/valid/tx-families.ngs', import.meta.url)),
);
const EDFI_DIR = join(DEFAULT_ADAPTERS_DIR, 'edfi-xml', 'fixtures', 'valid', 'grand-bend-migrant');
const EDFI_PARTS = ['Student.xml', 'StudentEnrollment.xml', 'StudentProgram.xml', 'StudentTranscript.xml'].map(
  (name) => ({ name, text: readFileSync(join(EDFI_DIR, name), 'utf8') }),
);

/**
 * Reads everything a guarded parse yields for one input and checks the boundary's promises: exactly one `end`, last;
 * no adapter failure; every record issue and file issue says what rule it broke and how to fix it.
 */
async function checkParse(
  adapter: LoadedAdapter,
  input: Parameters<LoadedAdapter['parse']>[0],
  state: string,
  chunks = 0,
) {
  const { value: events, cost } = await measure(async () => {
    const out: ParseEvent[] = [];
    for await (const ev of adapter.parse(input, { stateCode: state, fileName: 'fuzz' })) out.push(ev);
    return out;
  });
  assertBounded(cost, adapter.manifest.id, chunks);
  const ends = events.filter((e) => e.kind === 'end');
  if (ends.length !== 1 || events.at(-1)?.kind !== 'end') throw new Error('the parse did not end with one end event');
  for (const e of events) {
    if (e.kind === 'file' && e.issue.code === 'adapterError') throw new Error(`adapter threw: ${e.issue.message}`);
    if (e.kind === 'file' && (!e.issue.message || !e.issue.code)) throw new Error('a file issue without code/message');
    if (e.kind === 'invalid')
      for (const i of e.issues)
        if (typeof i.path !== 'string' || !i.rule || !i.message)
          throw new Error(`an issue without path/rule/message: ${JSON.stringify(i)}`);
  }
}

const SAMPLE = 15;

describe('hostile state files: no adapter failure, bounded time and heap', () => {
  const lineTargets = [
    { id: 'msix-typed', bytes: MSIX, delimiter: '|', state: 'TX' },
    { id: 'mis2000-csv', bytes: CSV, delimiter: ',', state: 'NC' },
    { id: 'ngs-export', bytes: NGS, delimiter: '|', state: 'TX' },
  ];
  for (const t of lineTargets) {
    it(
      `${t.id}: mutations of its valid sample`,
      async () => {
        await withRetainedHeapBound(t.id, () =>
          fc.assert(
            fc.asyncProperty(mutatedLines(t.bytes, t.delimiter), fc.integer({ min: 1, max: 4096 }), (b, chunk) =>
              checkParse(adapters.get(t.id)!, fromBytes(b, chunk), t.state, Math.ceil(b.length / chunk)),
            ),
            fuzzParams(SAMPLE),
          ),
        );
      },
      fuzzTimeout(SAMPLE, 20),
    );
  }

  it(
    'edfi-xml: interchange parts with one part mutated',
    async () => {
      await withRetainedHeapBound('edfi-xml parts', () =>
        fc.assert(
          fc.asyncProperty(
            fc
              .nat({ max: EDFI_PARTS.length - 1 })
              .chain((i) => fc.tuple(fc.constant(i), mutatedXml(EDFI_PARTS[i]!.text))),
            async ([i, mutated]) => {
              const parts = EDFI_PARTS.map((p, j) => ({
                name: p.name,
                open: () => fromBytes(j === i ? mutated : Buffer.from(p.text), 1024),
              }));
              await checkParse(adapters.get('edfi-xml')!, { parts }, 'TX');
            },
          ),
          fuzzParams(SAMPLE),
        ),
      );
    },
    fuzzTimeout(SAMPLE, 30),
  );

  it(
    'edfi-xml: a single interchange file, and a tar bundle with mutated bytes',
    async () => {
      const chunks: Buffer[] = [];
      for await (const c of writeTar(EDFI_PARTS.map((p) => ({ name: p.name, data: Buffer.from(p.text) }))))
        chunks.push(c);
      const tar = Buffer.concat(chunks);
      await withRetainedHeapBound('edfi-xml bundle', () =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(
              mutatedXml(EDFI_PARTS[0]!.text),
              fc.array(byteMutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(applyBytes, tar)),
            ),
            (b) => checkParse(adapters.get('edfi-xml')!, fromBytes(b, 4096), 'TX'),
          ),
          fuzzParams(SAMPLE),
        ),
      );
    },
    fuzzTimeout(SAMPLE, 30),
  );
});
