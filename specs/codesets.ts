import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The code sets the canonical model validates against. Each is a versioned JSON file in specs/codesets. */
export const CODESET_NAMES = [
  'gradeLevel', 'enrollmentType', 'termType', 'courseType', 'courseSection', 'sex',
  'birthDateVerification', 'continuationOfServices', 'assessmentType', 'assessmentInterpretation',
  'medicalAlert', 'usState', 'country',
] as const;
export type CodesetName = (typeof CODESET_NAMES)[number];

export interface CodesetEntry { code: string; label: string }
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

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/**
 * The valid codes nearest to a wrong one, by code and by label, so an error can
 * say "did you mean KG (Kindergarten)?" instead of listing 22 codes.
 */
export function nearestCodes(set: CodesetName, wrong: string, count = 3): CodesetEntry[] {
  const w = wrong.trim().toLowerCase();
  return codesets[set].codes
    .map((c) => ({
      c,
      d: Math.min(
        editDistance(w, c.code.toLowerCase()),
        editDistance(w, c.label.toLowerCase()),
        c.label.toLowerCase().startsWith(w) && w.length > 0 ? 0.5 : Infinity,
      ),
    }))
    .sort((a, b) => a.d - b.d)
    .slice(0, count)
    .map((x) => x.c);
}
