/**
 * An NGS-style family/child export adapter, out of the gateway's tree: it imports `@msix/adapter-sdk` and nothing
 * else, and a gateway installs it through configuration (`ADAPTERS=@msix-examples/adapter-ngs`). See README.md.
 */
import type { AdapterEnv, AdapterImpl } from '@msix/adapter-sdk';
import { format } from './format.js';
import { parse } from './parse.js';

/** A state's configuration (the manifest's configSchema, defaults filled in by the gateway). */
export interface NgsConfig {
  dateFormat: 'MM/DD/YYYY' | 'YYYY-MM-DD';
}

export function createAdapter(config: NgsConfig, _env: AdapterEnv): AdapterImpl {
  const cfg: NgsConfig = { dateFormat: config?.dateFormat ?? 'MM/DD/YYYY' };
  return {
    parse: (input, ctx) => parse(input, ctx, cfg),
    format: (records, ctx) => format(records, ctx, cfg),
  };
}
