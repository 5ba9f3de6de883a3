import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedData } from '../support/data.js';

export type XsdName = 'na4' | 'infra';

/** The XSD to validate against: the NA 4.0 data model, or the SIF 3.2.1 infrastructure entry point. */
export function xsdPath(which: XsdName): string {
  return which === 'na4'
    ? sharedData('sif', 'xsd', 'na-4.0', 'SIF_Message.xsd')
    : sharedData('sif', 'infra', '3.2.1', 'Collections.xsd');
}

/** Validates a document with `xmllint --schema` (Debian's libxml2-utils): null when valid, else xmllint's errors. */
export function xmllint(xml: string, which: XsdName): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'msix-sif-'));
  try {
    const file = join(dir, 'doc.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsdPath(which), file], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
