/**
 * The XML ⇄ Goessner JSON pair of data/sif/json-conversion (AU 3.4, so schema-unaware conversion) converts both ways
 * as shown there, with the two differences the data README lists patched: the JSON has no @RefId, and it keeps only
 * the first of the XML's three AlertMessages, as a single object.
 */
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { SIF_PARSER_OPTIONS, writeGoessnerXml, type SifElement } from '../../mappings/sif/tree.js';
import { sharedData } from '../support/data.js';

const AU = 'http://www.sifassociation.org/datamodel/au/3.4';
const xml = readFileSync(sharedData('sif', 'json-conversion', 'StudentPersonal.xml'), 'utf8');
const json = JSON.parse(readFileSync(sharedData('sif', 'json-conversion', 'StudentPersonal.json'), 'utf8')) as {
  StudentPersonal: SifElement;
};
const goessner = (text: string) =>
  (new XMLParser({ ...SIF_PARSER_OPTIONS, removeNSPrefix: false }).parse(text) as { StudentPersonal: SifElement })
    .StudentPersonal;

describe('Goessner conversion of the json-conversion pair', () => {
  it('XML to JSON gives the JSON file (with the listed differences patched)', () => {
    const fromXml = goessner(xml);
    delete fromXml['@xmlns'];
    delete fromXml['@RefId'];
    const alerts = fromXml.AlertMessages as { AlertMessage: SifElement[] };
    expect(alerts.AlertMessage).toHaveLength(3);
    alerts.AlertMessage = alerts.AlertMessage.slice(0, 1) as never;
    (fromXml.AlertMessages as SifElement).AlertMessage = alerts.AlertMessage[0]!;
    expect(fromXml).toEqual(json.StudentPersonal);
  });

  it('JSON to XML and back gives the JSON again, and keeps the non-ASCII name', () => {
    const written = writeGoessnerXml(AU, 'StudentPersonal', json.StudentPersonal);
    expect(written).toContain('JŒRG');
    const back = goessner(written);
    delete back['@xmlns'];
    expect(back).toEqual(json.StudentPersonal);
  });
});
