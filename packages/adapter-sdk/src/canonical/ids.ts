/**
 * Branded identifier types. A plain string cannot be passed where an `MsixId`
 * is expected, so a state student id can never be mistaken for a national id.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 12-digit national student id; the last digit is a Damm check digit. */
export type MsixId = Brand<string, 'MsixId'>;
/** Two-letter postal code of a U.S. state or territory. */
export type StateCode = Brand<string, 'StateCode'>;
/** Id of one row of the exchange ledger (an inbound submission or outbound delivery). */
export type ExchangeId = Brand<string, 'ExchangeId'>;
/** Id of one stored state record (one state's submission about one child). */
export type StateRecordId = Brand<string, 'StateRecordId'>;
/** Correlates log lines, ledger rows and jobs across the gateway and the workers. */
export type TraceId = Brand<string, 'TraceId'>;

// Damm algorithm quasigroup table: catches every single-digit error and every
// adjacent transposition, which Luhn does not.
const DAMM: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

export function dammCheckDigit(digits: string): number {
  let interim = 0;
  for (const ch of digits) interim = DAMM[interim]![ch.charCodeAt(0) - 48]!;
  return interim;
}

/** True when `value` is 12 digits, does not start with 0, and its check digit is right. */
export function isMsixId(value: string): value is MsixId {
  return /^[1-9]\d{11}$/.test(value) && dammCheckDigit(value) === 0;
}

/** Builds an MSIX id from an 11-digit body (first digit 1-9). */
export function msixIdFromBody(body: string): MsixId {
  if (!/^[1-9]\d{10}$/.test(body))
    throw new RangeError(`msixId body must be 11 digits not starting with 0, got ${body}`);
  return (body + String(dammCheckDigit(body))) as MsixId;
}

/** A fresh random MSIX id (uniqueness is enforced by the store). */
export function newMsixId(random: () => number = Math.random): MsixId {
  let body = String(1 + Math.floor(random() * 9));
  for (let i = 0; i < 10; i++) body += String(Math.floor(random() * 10));
  return msixIdFromBody(body);
}

export function asStateCode(value: string): StateCode {
  return value.toUpperCase() as StateCode;
}
