import { describe, expect, it } from 'vitest';
import { foldText } from '../../core/matching/fold.js';
import { parseBirthDate } from '../../core/matching/dates.js';
import { canonicalForms } from '../../core/matching/nicknames.js';
import { metaphoneCodes, spanishKey } from '../../core/matching/phonetic.js';
import { standardize } from '../../core/matching/standardize.js';
import { blockingKeys } from '../../core/matching/blocking.js';
import { person } from './helpers.js';

describe('standardization', () => {
  it('folds accents and ñ but keeps the raw value', () => {
    expect(foldText('Peña Núñez')).toBe('PENA NUNEZ');
    const std = standardize(person({ lastName1: 'Peña' }));
    expect(std.surname1).toBe('PENA');
    expect(std.raw.lastName1).toBe('Peña');
  });

  it('drops particles and keeps a joined form', () => {
    const std = standardize(person({ lastName1: 'de la Cruz', lastName2: 'del Río' }));
    expect(std.surnames?.tokens).toEqual(['CRUZ', 'RIO']);
    expect(std.surname1).toBe('CRUZ');
    expect(std.surname2).toBe('RIO');
    expect(std.surnames?.joined).toBe('CRUZRIO');
  });

  it('splits hyphenated surnames into paternal and maternal', () => {
    const std = standardize(person({ lastName1: 'Martinez-Cruz', lastName2: null }));
    expect(std.surname1).toBe('MARTINEZ');
    expect(std.surname2).toBe('CRUZ');
    expect(standardize(person({ lastName1: 'MARTINEZCRUZ', lastName2: null })).surnames?.joined).toBe(
      std.surnames?.joined,
    );
  });

  it('expands Ma. and keeps compound given names as arrays', () => {
    const std = standardize(person({ firstName: 'Ma. Guadalupe' }));
    expect(std.given?.tokens).toEqual(['MARIA', 'GUADALUPE']);
    const split = standardize(person({ firstName: 'María', middleName: 'Guadalupe' }));
    expect(split.givenFull?.tokens).toEqual(['MARIA', 'GUADALUPE']);
  });

  it('maps nicknames to full names (Spanish and English)', () => {
    expect(canonicalForms('LUPE')).toContain('GUADALUPE');
    expect(canonicalForms('CHUY')).toContain('JESUS');
    expect(canonicalForms('PANCHO')).toContain('FRANCISCO');
    expect(canonicalForms('PACO')).toContain('FRANCISCO');
    expect(canonicalForms('TONO')).toContain('ANTONIO');
    // A compound target is the whole compound joined, so CHEMA does not stand for every JOSE.
    expect(canonicalForms('CHEMA')).toContain('JOSEMARIA');
    expect(canonicalForms('BILL')).toContain('WILLIAM');
    expect(canonicalForms('PEGGY')).toContain('MARGARET');
  });

  it('gives Spanish spellings that sound alike the same key', () => {
    expect(spanishKey('VAZQUEZ')).toBe(spanishKey('BASQUES'));
    expect(spanishKey('JIMENEZ')).toBe(spanishKey('GIMENEZ'));
    expect(spanishKey('YOLANDA')).toBe(spanishKey('LLOLANDA'));
    expect(spanishKey('HERNANDEZ')).toBe(spanishKey('ERNANDES'));
    expect(spanishKey('QUINTERO')).toBe(spanishKey('KINTERO'));
    expect(metaphoneCodes('SMITH')).toContain('SM0');
  });

  it('parses dates, flags placeholders and tolerates impossible dates', () => {
    expect(parseBirthDate('2012-03-04')).toMatchObject({ year: 2012, month: 3, day: 4, placeholder: false });
    expect(parseBirthDate('2012-01-01')?.placeholder).toBe(true);
    for (const bad of ['2011-02-29', '2012-13-01', '2012-04-31', 'yesterday', '', '0000-00-00'])
      expect(parseBirthDate(bad)).toBeNull();
    const std = standardize(
      person({ birthDate: '2011-02-30', firstName: '', lastName1: null, lastName2: null, sex: null }),
    );
    expect(std.birth).toBeNull();
    expect(std.given).toBeNull();
    expect(() => blockingKeys(std)).not.toThrow();
  });

  it('blocking survives a day/month swap', () => {
    const a = blockingKeys(standardize(person({ birthDate: '2012-03-04' })));
    const b = blockingKeys(standardize(person({ birthDate: '2012-04-03' })));
    expect(a.filter((k) => b.includes(k) && k.startsWith('D|'))).not.toHaveLength(0);
  });

  const sharedKeys = (x: Parameters<typeof person>[0], y: Parameters<typeof person>[0]) => {
    const b = new Set(blockingKeys(standardize(person(y))));
    return blockingKeys(standardize(person(x))).filter((k) => b.has(k));
  };

  it('blocking joins surnames typed apart with surnames typed joined, even with the date missing or a day off', () => {
    const apart = { firstName: 'Diego', lastName1: 'Figueroa', lastName2: 'Quintero', birthDate: '2018-04-22' };
    // Missing date on one side: only name keys can meet.
    expect(
      sharedKeys(apart, { firstName: 'DIEGO', lastName1: 'FIGUEROAQUINTERO', lastName2: null, birthDate: null }),
    ).not.toHaveLength(0);
    // A day off and the surnames joined: no date key and no single-surname key agrees.
    const dayOff = sharedKeys(apart, {
      firstName: 'DIEGO',
      lastName1: 'FigueroaQuintero',
      lastName2: null,
      birthDate: '2018-04-21',
      parent1FirstName: null,
      parent2FirstName: null,
    });
    expect(dayOff).toContain('N|DIEGO|FIGUEROAQUINTERO|2018');
  });

  it('blocking finds a record without a date whose surnames are listed the other way round', () => {
    expect(
      sharedKeys(
        { firstName: 'Ana', lastName1: 'Pérez', lastName2: 'González', birthDate: null },
        { firstName: 'ANA', lastName1: 'GONZALEZ', lastName2: 'PEREZ', birthDate: '2009-11-25' },
      ),
    ).toContain('N|ANA|PERE|2009');
  });
});
