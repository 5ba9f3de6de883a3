import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { SIF_PARSER_OPTIONS, writeGoessnerXml } from '../../mappings/sif/tree.js';

describe('SIF XML text', () => {
  it('reads back entity-like text as written (every & is escaped, an entity-like one too)', () => {
    const tree = { '@note': 'a &amp; b', name: 'Smith &amp; Sons & Co <x>' };
    const xml = writeGoessnerXml(null, 'doc', tree);
    const back = new XMLParser(SIF_PARSER_OPTIONS).parse(xml) as { doc: Record<string, string> };
    expect(back.doc.name).toBe('Smith &amp; Sons & Co <x>');
    expect(back.doc['@note']).toBe('a &amp; b');
  });
});
