/**
 * MIS2000-style vendor CSV export adapter: the state's own codes (grades K and
 * 1-12, country abbreviations such as MEX and CC, enrollment types by name)
 * mapped through `mappings/` crosswalks. See README.md.
 */
import { requireCrosswalk, type Crosswalk } from '../../mappings/index.js';
import type { AdapterEnv, AdapterImpl } from '@msix/adapter-sdk';
import { CROSSWALK_IDS } from './columns.js';
import { createFormatter } from './format.js';
import { createParser, type CsvConfig } from './parse.js';

export interface Mis2000Config extends CsvConfig {
  /** Pin crosswalk versions, e.g. `{ "mis2000/gradeLevel": "2026.1" }`; latest otherwise. */
  crosswalkVersions?: Record<string, string>;
}

export function createAdapter(config: Mis2000Config, _env: AdapterEnv): AdapterImpl {
  const crosswalks = new Map<string, Crosswalk>(
    CROSSWALK_IDS.map((id) => [id, requireCrosswalk(id, config.crosswalkVersions?.[id])]),
  );
  return { parse: createParser(config, crosswalks), format: createFormatter(config, crosswalks) };
}
