/**
 * Ed-Fi interchange XML adapter (Data Standard 5.2): Student,
 * StudentEnrollment, StudentProgram (migrant associations) and
 * StudentTranscript interchanges, joined by StudentUniqueId. See README.md.
 */
import { requireCrosswalk, type Crosswalk } from '../../mappings/index.js';
import type { AdapterEnv, AdapterImpl } from '@msix/adapter-sdk';
import { createFormatter } from './format.js';
import { createParser, type EdfiConfig } from './parse.js';

export const CROSSWALK_IDS = [
  'edfi/gradeLevel',
  'edfi/sex',
  'edfi/country',
  'edfi/stateAbbreviation',
  'edfi/termType',
  'edfi/continuationOfServices',
  'edfi/enrollmentType',
] as const;

export function createAdapter(config: EdfiConfig, _env: AdapterEnv): AdapterImpl {
  const crosswalks = new Map<string, Crosswalk>(CROSSWALK_IDS.map((id) => [id, requireCrosswalk(id)]));
  return { parse: createParser(config, crosswalks), format: createFormatter(config, crosswalks) };
}
