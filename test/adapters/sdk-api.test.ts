import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSdkApi } from '../../scripts/sdk-api-doc.js';

describe('the adapter SDK API reference', () => {
  it('docs/adapter-sdk-api.md is what the TSDoc generates (npm run sdk:api after changing the SDK)', () => {
    const written = readFileSync(new URL('../../docs/adapter-sdk-api.md', import.meta.url), 'utf8');
    expect(written).toBe(renderSdkApi());
  });

  it('lists the contract, the loader, the kit and the canonical model', () => {
    const doc = renderSdkApi();
    for (const name of [
      'AdapterManifest',
      'createAdapter',
      'loadAdapter',
      'runConformance',
      'certify',
      'StateRecordSchema',
    ])
      expect(doc).toContain(name);
  });
});
