import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBytes, type ParseEvent } from '@msix/adapter-sdk';
import { ACCEPTED_SDK_MAJORS, loadAdapters, publicDisabled, resolveAdapterSource } from '../../adapters/registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const root = mkdtempSync(join(tmpdir(), 'msix-adapters-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SDK = JSON.stringify('@msix/adapter-sdk');
const manifest = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  version: '0.1.0',
  description: `test adapter ${id}`,
  states: ['TX'],
  sdk: 1,
  formats: [{ name: 'test', extensions: ['tst'], mediaTypes: ['text/plain'] }],
  configSchema: { type: 'object', properties: { level: { type: 'integer', default: 3 } }, additionalProperties: false },
  ...extra,
});
function adapter(id: string, m: unknown, entry?: string) {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), typeof m === 'string' ? m : JSON.stringify(m));
  if (entry !== undefined) writeFileSync(join(dir, 'index.ts'), entry);
}
const GOOD = `import type {} from ${SDK};
export function createAdapter(config: { level: number }) {
  return {
    async *parse() {
      yield { kind: 'file', issue: { code: 'ignored', severity: 'info', message: 'level ' + config.level } };
    },
    async *format() { yield Buffer.from('x'); },
  };
}`;

describe('adapter discovery', () => {
  adapter('good', manifest('good'), GOOD);
  adapter('bad-json', '{ "id": ', GOOD);
  adapter('bad-manifest', manifest('bad-manifest', { states: ['Texas'] }), GOOD);
  adapter('wrong-id', manifest('other-id'), GOOD);
  adapter('bad-config', manifest('bad-config'), GOOD);
  adapter('throws-on-import', manifest('throws-on-import'), 'throw new Error("boom at import");\nexport {};');
  adapter('no-factory', manifest('no-factory'), 'export const x = 1;');
  adapter(
    'factory-throws',
    manifest('factory-throws'),
    'export function createAdapter() { throw new Error("needs a licence key"); }',
  );
  adapter('missing-crosswalk', manifest('missing-crosswalk', { crosswalks: ['nowhere/grade'] }), GOOD);
  adapter(
    'throws-mid-parse',
    manifest('throws-mid-parse'),
    `export function createAdapter() { return {
    async *parse() {
      const identity = { firstName: 'A', lastName1: 'B', birthDate: '2010-01-01' };
      const record = { stateCode: 'TX', stateStudentId: 'A1', identity };
      yield { kind: 'ok', record, warnings: [], source: { recordNumber: 1 } };
      throw new Error('parser bug');
    },
    async *format() {} }; }`,
  );
  adapter('future-sdk', manifest('future-sdk', { sdk: 2 }), 'throw new Error("imported before the SDK check");');
  mkdirSync(join(root, 'no-manifest'));

  it('loads good adapters and disables each broken one with a reason, without throwing', async () => {
    const reg = await loadAdapters({ dir: root, adapters: { 'bad-config': { level: 'high' } } });
    expect([...reg.adapters.keys()].sort()).toEqual(['good', 'throws-mid-parse']);
    const why = Object.fromEntries(reg.disabled.map((d) => [d.id, `${d.stage}: ${d.reason}`]));
    expect(why['bad-json']).toMatch(/^manifest: manifest.json cannot be read/);
    expect(why['bad-manifest']).toMatch(/^manifest: .*states/);
    expect(why['wrong-id']).toMatch(/does not match its folder 'wrong-id'/);
    expect(why['bad-config']).toMatch(/^config: configuration is invalid: \/level must be integer/);
    expect(why['throws-on-import']).toMatch(/^import: .*boom at import/);
    expect(why['no-factory']).toMatch(/^import: .*createAdapter/);
    expect(why['factory-throws']).toMatch(/^factory: .*needs a licence key/);
    expect(why['missing-crosswalk']).toMatch(/^crosswalks: crosswalk\(s\) nowhere\/grade unavailable/);
    expect(why['no-manifest']).toMatch(/no manifest.json/);
    // Refused on its manifest, before any of its code runs, with what to do about it.
    expect(why['future-sdk']).toBe(
      'sdk: adapter future-sdk is built for adapter SDK 2.x (manifest.json "sdk": 2); this gateway accepts SDK ' +
        '1.x. Install a release of the adapter built for SDK 1, or a gateway that accepts SDK 2.',
    );
  });

  it('keeps server paths out of what readers outside the server see of a disabled adapter', async () => {
    const reg = await loadAdapters({ dir: root, packages: [join(root, 'nowhere')], base: root });
    const shown = JSON.stringify(reg.disabled.map(publicDisabled));
    expect(JSON.stringify(reg.disabled)).toContain(root);
    expect(shown).not.toContain(root);
    expect(shown).not.toMatch(/file:\/\//);
    expect(publicDisabled({ id: 'x', dir: root, stage: 'manifest', reason: `cannot read '${root}/x/m.json'` })).toEqual(
      {
        id: 'x',
        stage: 'manifest',
        reason: "cannot read '…/m.json'",
      },
    );
  });

  it('reads an ADAPTERS entry as a folder when it is a path (./x, /x, packages/x) and as a package otherwise', () => {
    expect(resolveAdapterSource('packages/adapter-ngs', ROOT)).toEqual({
      kind: 'ok',
      dir: join(ROOT, 'packages/adapter-ngs'),
    });
    expect(resolveAdapterSource('./packages/adapter-ngs', ROOT)).toMatchObject({ kind: 'ok' });
    expect(resolveAdapterSource('@msix-examples/adapter-ngs', ROOT)).toEqual({
      kind: 'ok',
      dir: join(ROOT, 'node_modules/@msix-examples/adapter-ngs'),
    });
    expect(resolveAdapterSource('@acme/not-installed', ROOT)).toMatchObject({ kind: 'error', reason: /not installed/ });
  });

  it('accepts the major of the SDK it depends on, as its package.json declares it', async () => {
    const sdk = await import('@msix/adapter-sdk');
    const gateway = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const own = JSON.parse(readFileSync(new URL('../../packages/adapter-sdk/package.json', import.meta.url), 'utf8'));
    expect(sdk.SDK_VERSION).toBe(own.version);
    expect(gateway.dependencies['@msix/adapter-sdk']).toBe(`^${sdk.SDK_MAJOR}.0.0`);
    expect(ACCEPTED_SDK_MAJORS).toContain(sdk.SDK_MAJOR);
  });

  it('fills configuration defaults from the schema', async () => {
    const reg = await loadAdapters({ dir: root, only: ['good'] });
    expect(reg.get('good')!.config).toEqual({ level: 3 });
    const evs: ParseEvent[] = [];
    for await (const ev of reg.get('good')!.parse(fromBytes(''))) evs.push(ev);
    expect(evs[0]).toMatchObject({ kind: 'file', issue: { message: 'level 3' } });
  });

  it('turns an exception inside parse into a file issue and still ends the stream', async () => {
    const reg = await loadAdapters({ dir: root, only: ['throws-mid-parse'] });
    const evs: ParseEvent[] = [];
    for await (const ev of reg.get('throws-mid-parse')!.parse(fromBytes(''))) evs.push(ev);
    expect(evs.map((e) => e.kind)).toEqual(['ok', 'file', 'end']);
    expect(evs[1]).toMatchObject({ kind: 'file', issue: { code: 'adapterError', severity: 'error' } });
    expect(evs[2]).toMatchObject({ kind: 'end', summary: { ok: 1, fileErrors: true } });
  });

  it('finds adapters by state and by file name', async () => {
    const reg = await loadAdapters();
    expect(reg.disabled).toEqual([]);
    expect(reg.forFileName('daily.csv').map((a) => a.manifest.id)).toEqual(['mis2000-csv']);
    expect(reg.forFileName('bundle.tar.gz').map((a) => a.manifest.id)).toEqual(['edfi-xml']);
    expect(
      reg
        .forState('nc')
        .map((a) => a.manifest.id)
        .sort(),
    ).toEqual(['edfi-xml', 'mis2000-csv', 'msix-typed']);
    expect(
      reg
        .forState('CA')
        .map((a) => a.manifest.id)
        .sort(),
    ).toEqual(['edfi-xml', 'msix-typed']);
  });
});
