/**
 * The crosswalk engine: compiles a checked crosswalk file into lookups and
 * turns an unmapped value into a field issue that names the nearest source
 * codes the state could have meant. Pure: no I/O.
 */
import { codeLabel, isValidCode, type FieldIssue, nearestBy } from '@msix/adapter-sdk/canonical';
import type { Crosswalk, CrosswalkEntry, CrosswalkFile, MapOutcome } from './types.js';

/** The source entries nearest to a wrong value, by code and by label. */
export function nearestEntries(entries: readonly CrosswalkEntry[], wrong: string, count = 3): CrosswalkEntry[] {
  return nearestBy(entries, wrong, (e) => [e.from, e.label], count);
}

/** Problems that make a crosswalk file unusable; empty when it is fine. */
export function checkCrosswalk(file: CrosswalkFile): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const norm = (v: string) => (file.caseSensitive ? v.trim() : v.trim().toLowerCase());
  for (const e of file.entries) {
    if (!isValidCode(file.target.codeset, e.to))
      problems.push(`'${e.from}' maps to '${e.to}', which is not a ${file.target.codeset} code`);
    const k = norm(e.from);
    const before = seen.get(k);
    if (before !== undefined && before !== e.to)
      problems.push(`'${e.from}' is listed twice with different targets (${before}, ${e.to})`);
    seen.set(k, e.to);
  }
  const preferredByTarget = new Map<string, number>();
  for (const e of file.entries) if (e.preferred) preferredByTarget.set(e.to, (preferredByTarget.get(e.to) ?? 0) + 1);
  for (const [to, n] of preferredByTarget)
    if (n > 1) problems.push(`${n} entries for '${to}' are marked preferred; mark one`);
  if (file.kind === 'descriptor' && !file.namespace) problems.push('a descriptor crosswalk needs a namespace');
  return problems;
}

/** Compiles a checked file. */
export function compileCrosswalk(file: CrosswalkFile): Crosswalk {
  const cs = file.caseSensitive ?? false;
  const norm = (v: string) => (cs ? v.trim() : v.trim().toLowerCase());
  const forward = new Map<string, string>();
  for (const e of file.entries) forward.set(norm(e.from), e.to);
  const back = new Map<string, string>();
  for (const e of file.entries) if (e.preferred) back.set(e.to, e.from);
  for (const e of file.entries) if (!back.has(e.to)) back.set(e.to, e.from);
  const namespaces =
    file.kind === 'descriptor' ? [file.namespace!, ...(file.namespaces ?? [])].map((n) => n.toLowerCase()) : [];

  // For descriptors, accept `namespace#code` for any accepted namespace, case-insensitively.
  const codeOf = (value: string): string | undefined => {
    if (file.kind !== 'descriptor') return value;
    const hash = value.indexOf('#');
    if (hash < 0) return undefined;
    const ns = value.slice(0, hash).trim().toLowerCase();
    return namespaces.includes(ns) ? value.slice(hash + 1) : undefined;
  };

  return {
    file,
    id: file.id,
    version: file.version,
    map(value: string): MapOutcome {
      const code = codeOf(value.trim());
      const hit = code === undefined ? undefined : forward.get(norm(code));
      if (hit !== undefined) return { kind: 'ok', code: hit };
      return { kind: 'unmapped', value, nearest: nearestEntries(file.entries, code ?? value) };
    },
    reverse(code: string): string | undefined {
      const from = back.get(code);
      if (from === undefined) return undefined;
      return file.kind === 'descriptor' ? `${file.namespace}#${from}` : from;
    },
  };
}

/** How an entry is shown in messages: `K (Kindergarten)`, or the full descriptor URI. */
export function showEntry(cw: Crosswalk, e: CrosswalkEntry): string {
  const v = cw.file.kind === 'descriptor' ? `${cw.file.namespace}#${e.from}` : e.from;
  return e.label && e.label !== e.from ? `${v} (${e.label})` : v;
}

/**
 * Maps one value and reports failure as a field issue at the canonical path,
 * suggesting the nearest source codes (what the state should send), not
 * canonical ones.
 */
export function mapField(cw: Crosswalk, value: string, path: string, issues: FieldIssue[]): string | undefined {
  const r = cw.map(value);
  if (r.kind === 'ok') return r.code;
  const suggestions = r.nearest.map((e) => showEntry(cw, e));
  issues.push({
    path,
    value,
    rule: 'crosswalk',
    message:
      `'${value}' is not a known ${cw.file.source.system} ${cw.file.source.field} code (crosswalk ${cw.id} ` +
      `v${cw.version})`,
    fix: suggestions.length
      ? `Use one of the codes in the crosswalk, e.g. ${suggestions.join(', ')}; or ask for the code to be ` +
        `added to ${cw.id}.`
      : `Ask for the code to be added to ${cw.id}.`,
    severity: 'error',
  });
  return undefined;
}

/** Writes a canonical code back in the source format, or undefined when the crosswalk has no way to say it. */
export function reverseField(cw: Crosswalk, code: string | undefined): string | undefined {
  return code === undefined ? undefined : cw.reverse(code);
}

/** Label of the canonical code a crosswalk entry targets (for the published table). */
export function targetLabel(cw: Crosswalk, code: string): string {
  return codeLabel(cw.file.target.codeset, code) ?? '';
}
