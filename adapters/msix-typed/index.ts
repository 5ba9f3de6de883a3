/**
 * MSIX-style typed-record file adapter: header, student records with I/U/D
 * action codes and 3-digit child records, `|`-delimited. See README.md.
 */
import type { AdapterEnv, AdapterImpl } from '@msix/adapter-sdk';
import { format } from './format.js';
import { createParser, type TypedConfig } from './parse.js';

export function createAdapter(config: TypedConfig, _env: AdapterEnv): AdapterImpl {
  return { parse: createParser(config), format };
}
