import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { xmlDocument, xmlElement, xmlLeaf } from '../../lib/xml.js';

describe('the XML writer', () => {
  it('writes a namespaced, indented document and leaves absent values out', () => {
    const doc = xmlDocument(
      xmlElement('Interchange', [
        xmlElement('Student', [xmlLeaf('Id', 'S1'), xmlLeaf('Middle', undefined), xmlLeaf('Twin', false)]),
        false,
      ]),
      { namespace: 'http://ed-fi.org/5.2.0' },
    );
    expect(doc).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Interchange xmlns="http://ed-fi.org/5.2.0">\n' +
        '\t<Student>\n\t\t<Id>S1</Id>\n\t\t<Twin>0</Twin>\n\t</Student>\n</Interchange>\n',
    );
  });

  it('escapes values, so a value cannot open an element or close one', () => {
    const hostile = '</Id><Admin>true</Admin><Id>&amp;';
    const doc = xmlDocument(xmlElement('Root', [xmlLeaf('Id', hostile)], { note: '"><x a="' }), { pretty: false });
    const parsed = new XMLParser({ ignoreAttributes: false, processEntities: true }).parse(doc);
    expect(parsed.Root.Id).toBe(hostile);
    expect(parsed.Root['@_note']).toBe('"><x a="');
    expect(parsed.Root.Admin).toBeUndefined();
    // Entity-like text stays text (xmlbuilder2 alone would keep `&amp;` as an entity and read back `&`).
    const amp = xmlDocument(xmlElement('R', [xmlLeaf('A', '&amp; & &#38; &lt;')]), { pretty: false });
    expect(new XMLParser().parse(amp).R.A).toBe('&amp; & &#38; &lt;');
  });
});
