/**
 * The adapter SDK's API reference, generated from its TSDoc: every declaration its package exports name (the
 * root, `/canonical`, `/conformance`, `/random`, `/csv`), with its signature and its doc comment, grouped by entry
 * point and module. `npm run sdk:api` writes docs/adapter-sdk-api.md; a test keeps the file current.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = fileURLToPath(new URL('../packages/adapter-sdk/', import.meta.url));
const DECLARATION =
  /^export (?:declare )?(?:async )?(function\*?|const|let|interface|type|class|enum) ([A-Za-z_$][\w$]*)/;

interface Entry {
  name: string;
  kind: string;
  signature: string;
  doc: string;
}

/** The doc comment that ends on the line before `index`, without its `/**`, `*` and `*\/`. */
function docBefore(lines: string[], index: number): string {
  let end = index - 1;
  while (end >= 0 && lines[end]!.trim().startsWith('//')) end--;
  if (end < 0 || !lines[end]!.trim().endsWith('*/')) return '';
  let start = end;
  while (start > 0 && !lines[start]!.trim().startsWith('/**')) start--;
  return lines
    .slice(start, end + 1)
    .map((l) =>
      l
        .trim()
        .replace(/^\/\*\*\s?/, '')
        .replace(/\*\/$/, '')
        .replace(/^\*\s?/, ''),
    )
    .join('\n')
    .trim();
}

/** A declaration's signature: its text up to the body (`{` of a function, `=` of a const), on one line. */
function signatureAt(lines: string[], index: number, kind: string): string {
  if (kind === 'interface') {
    // The whole interface, member docs included: it is the contract.
    const end = lines.findIndex((l, i) => i > index && l === '}');
    return lines
      .slice(index, end + 1)
      .join('\n')
      .replace(/^export /, '');
  }
  let text = '';
  for (let i = index; i < lines.length && i < index + 12; i++) {
    text += `${lines[i]!.trim()} `;
    if (kind === 'class' || kind === 'enum') break;
    if (/\)\s*(:[^=]*)?\{\s*$/.test(lines[i]!) || /;\s*$/.test(lines[i]!) || /=\s*$/.test(lines[i]!)) break;
    if (kind === 'const' && lines[i]!.includes('=')) break;
  }
  text = text.replace(/\s+/g, ' ').trim();
  if (kind === 'function' || kind === 'function*') text = text.replace(/\s*\{\s*$/, '');
  if (kind === 'const' || kind === 'let') text = text.replace(/\s*=.*$/, '');
  if (kind === 'class' || kind === 'enum') text = text.replace(/\s*\{.*$/, '');
  return text.replace(/^export (declare )?/, '');
}

function declarations(file: string): Entry[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Entry[] = [];
  lines.forEach((line, i) => {
    const m = DECLARATION.exec(line);
    if (m) out.push({ kind: m[1]!, name: m[2]!, signature: signatureAt(lines, i, m[1]!), doc: docBefore(lines, i) });
  });
  return out;
}

/** The names an entry module exports, following its `export *` and `export { … } from` lines. */
function exportedNames(file: string): Map<string, string> {
  const names = new Map<string, string>();
  const text = readFileSync(file, 'utf8');
  const dir = join(file, '..');
  for (const m of text.matchAll(/export \*\s+from '([^']+)'/g)) {
    const target = join(dir, m[1]!.replace(/\.js$/, '.ts'));
    for (const d of declarations(target)) names.set(d.name, target);
    for (const [n, f] of exportedNames(target)) if (f !== target) names.set(n, f);
  }
  for (const m of text.matchAll(/export (?:type )?\{([^}]*)\}\s+from '([^']+)'/g)) {
    const target = join(dir, m[2]!.replace(/\.js$/, '.ts'));
    for (const raw of m[1]!.split(',')) {
      const name = raw.replace(/\btype\b/, '').trim();
      if (name) names.set(name, target);
    }
  }
  return names;
}

export function renderSdkApi(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
    version: string;
    exports: Record<string, string>;
  };
  const out = [
    '# @msix/adapter-sdk API reference',
    '',
    `Version ${pkg.version}. Generated from the SDK's TSDoc by \`npm run sdk:api\`; do not edit by hand.`,
    "The vendor's path (init, map, test, check, certify, publish, install) is in [adapters.md](adapters.md).",
    '',
  ];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (!target.endsWith('.ts')) continue;
    const file = join(PACKAGE, target);
    const spec = `@msix/adapter-sdk${subpath === '.' ? '' : subpath.slice(1)}`;
    out.push(`## \`${spec}\``, '');
    const names = target.endsWith('index.ts')
      ? exportedNames(file)
      : new Map(declarations(file).map((d) => [d.name, file]));
    const byModule = new Map<string, string[]>();
    for (const [name, from] of names) byModule.set(from, [...(byModule.get(from) ?? []), name]);
    for (const [from, list] of [...byModule].sort(([a], [b]) => a.localeCompare(b))) {
      const decls = new Map(declarations(from).map((d) => [d.name, d]));
      out.push(`### ${relative(PACKAGE, from)}`, '');
      for (const name of list.sort()) {
        const d = decls.get(name);
        if (!d) continue;
        out.push(`#### \`${name}\``, '', '```ts', d.signature, '```', '');
        if (d.doc) out.push(d.doc, '');
      }
    }
  }
  return `${out.join('\n').trim()}\n`;
}

/** The SDK's source files, for a test that every exported declaration is documented. */
export function sdkSourceFiles(dir = join(PACKAGE, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sdkSourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
