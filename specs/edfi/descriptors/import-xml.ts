/**
 * Regenerates the descriptor lists in this folder from Ed-Fi interchange
 * descriptor XML (Data Standard 5.2 `Descriptors/*.xml`). The lists are data,
 * checked in, so the gateway needs no XML at run time; `test/edfi` checks the
 * checked-in JSON still equals the shared XML.
 *
 *   npx tsx specs/edfi/descriptors/import-xml.ts [../shared/data/edfi/Descriptors]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import type { DescriptorList } from './types.js';

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: () => true,
});

/** Parses one `InterchangeDescriptors` file into a list; pure, so the test uses it too. */
export function descriptorListFromXml(xml: string, source: string): DescriptorList {
  const root = (parser.parse(xml) as Record<string, unknown[]>).InterchangeDescriptors?.[0] as
    | Record<string, unknown[]>
    | undefined;
  if (!root) throw new Error(`${source}: not an InterchangeDescriptors document`);
  const names = Object.keys(root).filter((k) => k.endsWith('Descriptor'));
  if (names.length !== 1) throw new Error(`${source}: expected one descriptor type, found ${names.join(', ')}`);
  const name = names[0]!;
  const first = (v: unknown): string | undefined => (Array.isArray(v) ? (v[0] as string | undefined) : undefined);
  const items = (root[name] as Record<string, unknown>[]).map((d) => ({
    namespace: first(d.Namespace) ?? '',
    codeValue: first(d.CodeValue) ?? '',
    shortDescription: first(d.ShortDescription) ?? '',
    ...(first(d.Description) !== undefined ? { description: first(d.Description)! } : {}),
  }));
  const namespaces = [...new Set(items.map((i) => i.namespace))];
  if (namespaces.length !== 1) throw new Error(`${source}: expected one namespace, found ${namespaces.join(', ')}`);
  return {
    name,
    namespace: namespaces[0]!,
    dataStandard: '5.2.0',
    source,
    values: items.map(({ namespace: _n, ...v }) => v),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dir = resolve(
    process.argv[2] ?? join(process.env.MSIX_SHARED_DATA ?? join(here, '../../../../shared/data'), 'edfi/Descriptors'),
  );
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.xml'))
    .sort()) {
    const list = descriptorListFromXml(
      readFileSync(join(dir, f), 'utf8'),
      `Ed-Fi Data Standard 5.2.0 Descriptors/${f} (Ed-Fi-Alliance-OSS/Ed-Fi-Data-Standard @ e181f48, ` +
        `Apache-2.0); converted from XML to JSON, values unchanged`,
    );
    writeFileSync(join(here, `${list.name}.json`), `${JSON.stringify(list, null, 2)}\n`);
    console.log(`${list.name}: ${list.values.length} values`);
  }
}
