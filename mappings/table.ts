/**
 * The published table of every crosswalk: one row per source code, with the
 * canonical code and its label. Printed by `scripts/crosswalks.ts`.
 */
import { targetLabel } from './engine.js';
import type { CrosswalkRegistry } from './loader.js';

export interface CrosswalkRow {
  crosswalk: string;
  version: string;
  system: string;
  field: string;
  from: string;
  fromLabel: string;
  codeset: string;
  to: string;
  toLabel: string;
}

export function crosswalkRows(reg: CrosswalkRegistry): CrosswalkRow[] {
  const rows: CrosswalkRow[] = [];
  for (const cw of [...reg.crosswalks.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    for (const e of cw.file.entries) {
      rows.push({
        crosswalk: cw.id,
        version: cw.version,
        system: cw.file.source.system,
        field: cw.file.source.field,
        from: cw.file.kind === 'descriptor' ? `${cw.file.namespace}#${e.from}` : e.from,
        fromLabel: e.label ?? '',
        codeset: cw.file.target.codeset,
        to: e.to,
        toLabel: targetLabel(cw, e.to),
      });
    }
  }
  return rows;
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

/** Markdown: one section per crosswalk. */
export function crosswalkMarkdown(reg: CrosswalkRegistry): string {
  const out: string[] = [
    '# Crosswalks',
    '',
    'Every state or vendor code the gateway maps, and the canonical code it becomes.',
    '',
  ];
  for (const cw of [...reg.crosswalks.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const f = cw.file;
    out.push(
      `## ${cw.id} (v${cw.version})`,
      '',
      f.description,
      '',
      `Source: ${f.source.system}, ` +
        `${f.source.field}${f.source.reference ? ` (${f.source.reference})` : ''}. Target code set: ` +
        `\`${f.target.codeset}\`.${f.kind === 'descriptor' ? ` Descriptor namespace \`${f.namespace}\`.` : ''} ` +
        `Matching is ${f.caseSensitive ? 'case-sensitive' : 'case-insensitive'}.`,
      '',
    );
    out.push('| source code | source label | canonical | canonical label |', '|---|---|---|---|');
    for (const e of f.entries)
      out.push(
        `| ` +
          `${esc(f.kind === 'descriptor' ? `${f.namespace}#${e.from}` : e.from)}${e.preferred ? ' (preferred)' : ''} ` +
          `| ${esc(e.label ?? '')} | ${e.to} | ${esc(targetLabel(cw, e.to))} |`,
      );
    out.push('');
  }
  if (reg.errors.length) {
    out.push('## Not loaded', '');
    for (const e of reg.errors) out.push(`- ${e.file}: ${e.reason}`);
    out.push('');
  }
  return out.join('\n');
}
