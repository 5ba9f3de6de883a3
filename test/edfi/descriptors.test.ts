import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../support/data.js';
import { descriptorListFromXml } from '../../specs/edfi/descriptors/import-xml.js';
import {
  DESCRIPTOR_LISTS,
  checkDescriptor,
  descriptorListForResource,
  descriptorResourceName,
} from '../../specs/edfi/descriptors.js';

describe('Ed-Fi descriptor lists', () => {
  const dir = sharedData('edfi', 'Descriptors');
  const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));

  it('hold exactly the values of the Data Standard 5.2 descriptor XML, read in place', () => {
    expect(files.length).toBe(12);
    for (const f of files) {
      const fromXml = descriptorListFromXml(readFileSync(join(dir, f), 'utf8'), 'x');
      const checkedIn = DESCRIPTOR_LISTS.get(fromXml.name);
      expect(checkedIn, fromXml.name).toBeDefined();
      expect(checkedIn!.namespace).toBe(fromXml.namespace);
      expect(checkedIn!.values).toEqual(fromXml.values);
    }
  });

  it('keep the lower-case "of" namespace of ContinuationOfServicesReasonDescriptor', () => {
    expect(DESCRIPTOR_LISTS.get('ContinuationOfServicesReasonDescriptor')!.namespace).toBe(
      'uri://ed-fi.org/ContinuationofServicesReasonDescriptor',
    );
    expect(
      checkDescriptor(
        'ContinuationOfServicesReasonDescriptor',
        'uri://ed-fi.org/ContinuationofServicesReasonDescriptor#Ceased to be migratory during school term',
      ).kind,
    ).toBe('ok');
  });

  it('compare descriptor URIs case-insensitively and take code values with spaces and slashes as sent', () => {
    expect(checkDescriptor('GradeLevelDescriptor', 'uri://ed-fi.org/GradeLevelDescriptor#Ninth Grade').kind).toBe('ok');
    expect(checkDescriptor('GradeLevelDescriptor', 'URI://ED-FI.ORG/GRADELEVELDESCRIPTOR#infant/toddler').kind).toBe(
      'ok',
    );
  });

  it('answer an unknown value with the valid ones (all of a short list, the nearest of a long one)', () => {
    const sex = checkDescriptor('SexDescriptor', 'uri://ed-fi.org/SexDescriptor#Fem');
    expect(sex.kind).toBe('unknown');
    if (sex.kind !== 'unknown') return;
    expect(sex.message).toContain("SexDescriptor value 'uri://ed-fi.org/sexdescriptor#fem' does not exist.");
    expect(sex.suggestions).toEqual([
      'uri://ed-fi.org/SexDescriptor#Female',
      'uri://ed-fi.org/SexDescriptor#Male',
      'uri://ed-fi.org/SexDescriptor#Non-binary',
      'uri://ed-fi.org/SexDescriptor#Not Selected',
    ]);
    const country = checkDescriptor('CountryDescriptor', 'uri://ed-fi.org/CountryDescriptor#Mexico');
    expect(country.kind).toBe('unknown');
    if (country.kind !== 'unknown') return;
    expect(country.suggestions[0]).toBe('uri://ed-fi.org/CountryDescriptor#MX');
    expect(country.message).toContain('/countryDescriptors');
  });

  it('check only the form of descriptors it has no list for, and of values of another namespace authority', () => {
    expect(checkDescriptor('RaceDescriptor', 'uri://ed-fi.org/RaceDescriptor#White').kind).toBe('ok');
    expect(checkDescriptor('RaceDescriptor', 'White').kind).toBe('unknown');
    expect(checkDescriptor('GradeLevelDescriptor', 'uri://tx.gov/GradeLevelDescriptor#09').kind).toBe('ok');
    expect(checkDescriptor('GradeLevelDescriptor', 'uri://ed-fi.org/GradeLevelDescriptr#Ninth grade').kind).toBe(
      'unknown',
    );
  });

  it(
    'publish the MSIX enrollment types, from the canonical code set, in the gateway namespace; other ' +
      'namespaces by form',
    () => {
      const l = descriptorListForResource('enrollmentTypeDescriptors')!;
      expect(l.namespace).toBe('uri://msix-gateway.org/EnrollmentTypeDescriptor');
      expect(l.values.map((v) => v.codeValue)).toEqual(['01', '02', '03', '04', '05', '06', '07']);
      expect(
        checkDescriptor('EnrollmentTypeDescriptor', 'uri://msix-gateway.org/EnrollmentTypeDescriptor#08').kind,
      ).toBe('unknown');
      expect(checkDescriptor('EnrollmentTypeDescriptor', 'uri://ed-fi.org/EnrollmentTypeDescriptor#Regular').kind).toBe(
        'ok',
      );
    },
  );

  it('serve each list under its camelCase plural resource name', () => {
    expect(descriptorResourceName('GradeLevelDescriptor')).toBe('gradeLevelDescriptors');
    expect(descriptorListForResource('GRADELEVELDESCRIPTORS')?.name).toBe('GradeLevelDescriptor');
  });
});
