import { describe, expect, it } from 'vitest';
import { dammCheckDigit, isMsixId, msixIdFromBody, newMsixId } from '@msix/adapter-sdk/canonical';

describe('MSIX id check digit', () => {
  it('accepts generated ids and rejects wrong lengths or a leading zero', () => {
    for (let i = 0; i < 200; i++) expect(isMsixId(newMsixId())).toBe(true);
    expect(isMsixId('12345678901')).toBe(false);
    expect(isMsixId(`0${msixIdFromBody('12345678901').slice(1)}`)).toBe(false);
    expect(isMsixId('12345678901a')).toBe(false);
  });

  it('catches every single-digit error and every adjacent transposition', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 50; n++) {
      const id = newMsixId(rand);
      for (let pos = 0; pos < 12; pos++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === id[pos]) continue;
          const typo = id.slice(0, pos) + d + id.slice(pos + 1);
          expect(isMsixId(typo), `${id} -> ${typo}`).toBe(false);
        }
        if (pos < 11 && id[pos] !== id[pos + 1]) {
          const swapped = id.slice(0, pos) + id[pos + 1] + id[pos] + id.slice(pos + 2);
          expect(isMsixId(swapped), `${id} -> ${swapped}`).toBe(false);
        }
      }
    }
  });

  it('computes the Damm digit of a known value', () => {
    // Damm's worked example: 572 has check digit 4.
    expect(dammCheckDigit('572')).toBe(4);
    expect(() => msixIdFromBody('0123')).toThrow(RangeError);
  });
});
