import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nearestBy } from './nearest.js';

/** The code sets the canonical model validates against. Each is a versioned JSON file in ./codesets. */
export const CODESET_NAMES = [
  'gradeLevel',
  'enrollmentType',
  'termType',
  'courseType',
  'courseSection',
  'sex',
  'birthDateVerification',
  'continuationOfServices',
  'assessmentType',
  'assessmentInterpretation',
  'medicalAlert',
  'usState',
  'country',
] as const;
export type CodesetName = (typeof CODESET_NAMES)[number];

export interface CodesetEntry {
  code: string;
  label: string;
}
export interface Codeset {
  name: CodesetName;
  version: string;
  description: string;
  source: string;
  codes: CodesetEntry[];
}

function load(name: CodesetName): Codeset {
  const url = new URL(`./codesets/${name}.json`, import.meta.url);
  const parsed = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as Codeset;
  if (parsed.name !== name) throw new Error(`codeset file ${name}.json declares name ${parsed.name}`);
  return parsed;
}

/** All code sets, loaded once. */
export const codesets: Readonly<Record<CodesetName, Codeset>> = Object.fromEntries(
  CODESET_NAMES.map((n) => [n, load(n)]),
) as Record<CodesetName, Codeset>;

const lookup = new Map<CodesetName, Set<string>>(
  CODESET_NAMES.map((n) => [n, new Set(codesets[n].codes.map((c) => c.code))]),
);

export function isCodesetName(name: string): name is CodesetName {
  return (CODESET_NAMES as readonly string[]).includes(name);
}

export function isValidCode(set: CodesetName, code: string): boolean {
  return lookup.get(set)!.has(code);
}

export function codeLabel(set: CodesetName, code: string): string | undefined {
  return codesets[set].codes.find((c) => c.code === code)?.label;
}

/** One version string for the whole set of code sets, stored with every record validated against them. */
export const CODESET_VERSION: string = [...new Set(CODESET_NAMES.map((n) => codesets[n].version))].join('+');

/**
 * The valid codes nearest to a wrong one, by code and by label, so an error can
 * say "did you mean KG (Kindergarten)?" instead of listing 22 codes.
 */
export function nearestCodes(set: CodesetName, wrong: string, count = 3): CodesetEntry[] {
  return nearestBy(codesets[set].codes, wrong, (c) => [c.code, c.label], count);
}
