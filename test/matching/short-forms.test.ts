/**
 * Rules person-2026.12-8 (issue 12): given-name short and pet forms recognised by how they are made (diminutive
 * suffixes, clipping with pet endings, loss of first syllables, palatalisation, compound blends, compounds written
 * as one word), and the evidence that still keeps twins apart.
 */
import { describe, expect, it } from 'vitest';
import { linkBatch } from '../../core/matching/batch.js';
import { GIVEN, compareGivenNames } from '../../core/matching/compare/given-name.js';
import { isCompoundBlendOf, isShortFormOf } from '../../core/matching/compare/short-forms.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { CONFLICT, personComparisonSet } from '../../core/matching/person-comparisons.js';
import { scorePair } from '../../core/matching/scoring.js';
import { standardize } from '../../core/matching/standardize.js';
import type { PersonRecord } from '../../core/matching/types.js';
import { person } from './helpers.js';

const std = (o: Partial<PersonRecord>) => standardize(person(o));
const model = loadDefaultModel();

describe('short forms recognised structurally', () => {
  it.each([
    ['JUANITO', 'JUAN', 'diminutive -ito'],
    ['ANITA', 'ANA', 'diminutive -ita on the stem'],
    ['CARLITOS', 'CARLOS', 'diminutive before a final -os'],
    ['CARMENCITA', 'CARMEN', 'diminutive -cita after n'],
    ['LORENCITO', 'LORENZO', 'z written c before the suffix'],
    ['MARQUITOS', 'MARCOS', 'c written qu before the suffix'],
    ['DANI', 'DANIELA', 'clip with the pet ending -i'],
    ['GABY', 'GABRIELA', 'clip with -y'],
    ['MANNY', 'MANUEL', 'clip with a doubled consonant and -y'],
    ['SOFI', 'SOFIA', 'clip leaving two letters, with a pet ending'],
    ['TINA', 'VALENTINA', 'first syllables lost'],
    ['BETO', 'ROBERTO', 'first syllables lost, cluster simplified'],
    ['CHENTE', 'VICENTE', 'palatalised'],
    ['CHELA', 'GRACIELA', 'palatalised, glide lost'],
    ['CHABELA', 'ISABEL', 'palatalised, one vowel lost'],
    ['NACHO', 'IGNACIO', 'palatalised tail'],
  ])('%s is a short form of %s (%s)', (short, full) => {
    expect(isShortFormOf(short, full)).toBe(true);
  });

  it.each([
    ['DANIEL', 'DANIELA'],
    ['MARIO', 'MARIANA'],
    ['JUAN', 'JUANA'],
    ['KEVIN', 'KELVIN'],
    ['ANA', 'ANAHI'],
    ['MARIA', 'MARIANA'],
    ['ERIC', 'ERICKA'],
    ['MARCO', 'MARCOS'],
    ['ELENA', 'MALENA'],
    ['RENE', 'IRENE'],
    ['FRANCISCO', 'FRANCISCA'],
    ['ADRIAN', 'ADRIANA'],
    ['EDWIN', 'ERWIN'],
  ])('two full names %s and %s are not short forms of each other', (x, y) => {
    expect(isShortFormOf(x, y) || isShortFormOf(y, x)).toBe(false);
  });

  it('blends a compound name from its parts (JUANCA, MARIFER, MARISOL), not a diminutive of its first part', () => {
    expect(isCompoundBlendOf('JUANCA', 'JUAN', 'CARLOS')).toBe(true);
    expect(isCompoundBlendOf('MARIFER', 'MARIA', 'FERNANDA')).toBe(true);
    expect(isCompoundBlendOf('MARISOL', 'MARIA', 'SOLEDAD')).toBe(true);
    expect(isCompoundBlendOf('JUANITA', 'JUAN', 'CARLOS')).toBe(false);
  });
});

describe('given-name levels', () => {
  const level = (x: string, y: string) => compareGivenNames(std({ firstName: x }), std({ firstName: y }));

  it('gives a short form of a name or of a part of a compound name the short-form level', () => {
    expect(level('Tencha', 'Hortensia')).toBe(GIVEN['short-form']);
    expect(level('Tencha', 'María Hortensia')).toBe(GIVEN['short-form']);
    expect(level('Chentito', 'Vicente')).toBe(GIVEN['short-form']);
  });

  it('reads the middle box as a given name only when it holds no surname of either record', () => {
    const tencha = std({ firstName: 'Tencha', middleName: null });
    expect(compareGivenNames(tencha, std({ firstName: 'Ana', middleName: 'Hortensia' }))).toBe(GIVEN['short-form']);
    const pascualito = std({ firstName: 'Pascualito', middleName: null, lastName1: 'Mateo', lastName2: null });
    const juana = std({ firstName: 'Juana', middleName: 'Pascual', lastName1: 'Mateo', lastName2: 'Pascual' });
    expect(compareGivenNames(pascualito, juana)).not.toBe(GIVEN['short-form']);
  });

  it('leaves two full names of twins where they were', () => {
    expect(level('Mario', 'Mariana')).not.toBe(GIVEN['short-form']);
    expect(level('José Luis', 'José Manuel')).toBe(GIVEN['overlap-conflict']);
  });
});

describe('a short form links one child, never a twin', () => {
  const base: Partial<PersonRecord> = {
    lastName1: 'Ramírez',
    lastName2: 'Ortiz',
    birthDate: '2013-05-09',
    parent1FirstName: 'Vicente',
    parent1LastName: 'Ramírez',
    parent2FirstName: 'Teresa',
    parent2LastName: 'Ortiz',
  };

  it('links TENCHA to HORTENSIA with the same date and parents, not across a sex disagreement or a twin flag', () => {
    const full = std({ ...base, firstName: 'Hortensia', sex: 'F' });
    const pet = std({ ...base, firstName: 'Tencha', sex: 'F', state: 'CA', stateStudentId: 'CA1' });
    expect(scorePair(full, pet, model).decision).toBe('link');
    const boy = std({ ...base, firstName: 'Tencha', sex: 'M', state: 'CA', stateStudentId: 'CA2' });
    expect(scorePair(full, boy, model).conflicts).toContain(CONFLICT.sex);
    const flagged = std({
      ...base,
      firstName: 'Tencha',
      sex: 'F',
      multipleBirth: true,
      state: 'CA',
      stateStudentId: 'CA3',
    });
    expect(scorePair(full, flagged, model).decision).not.toBe('link');
  });

  it('keeps the twins DANIEL and DANIELA apart when a record says only DANI', () => {
    const twin = (firstName: string, sex: 'M' | 'F' | null, state: string, id: string) =>
      std({ ...base, firstName, sex, multipleBirth: null, state, stateStudentId: id });
    const records = [
      twin('Daniel', 'M', 'TX', 'TX1'),
      twin('Daniel', 'M', 'CA', 'CA1'),
      twin('Daniela', 'F', 'TX', 'TX2'),
      twin('Daniela', 'F', 'CA', 'CA2'),
      twin('Dani', null, 'WA', 'WA1'),
    ];
    const { clusterOf } = linkBatch(records, personComparisonSet, model);
    expect(clusterOf[0]).toBe(clusterOf[1]);
    expect(clusterOf[2]).toBe(clusterOf[3]);
    expect(clusterOf[0]).not.toBe(clusterOf[2]);
  });
});
