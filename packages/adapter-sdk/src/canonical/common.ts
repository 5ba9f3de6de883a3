import { Type, type TSchema } from 'typebox';
import type { CodesetName } from './codesets.js';

/** A string that must be a code of one of the versioned code sets (checked by the `x-codeset` keyword). */
export const Code = (set: CodesetName, description?: string) =>
  Type.String({ 'x-codeset': set, minLength: 1, ...(description ? { description } : {}) });

/** Calendar date `YYYY-MM-DD`; format `date` rejects 2021-02-30. */
export const DateString = (description?: string) =>
  Type.String({ format: 'date', ...(description ? { description } : {}) });

/** What characters a text field may hold, checked by the `x-text` keyword (see specs/text-kinds.ts). */
export type TextKind = 'personName' | 'placeName' | 'free';

export const Text = (maxLength: number, description?: string, kind: TextKind = 'free') =>
  Type.String({ minLength: 1, maxLength, 'x-text': kind, ...(description ? { description } : {}) });

/** A person's name: letters (any script, with accents), spaces, hyphens, apostrophes and periods. */
export const PersonName = (maxLength: number, description?: string) => Text(maxLength, description, 'personName');

/** A city or place name: a person-name's characters plus digits. */
export const PlaceName = (maxLength: number, description?: string) => Text(maxLength, description, 'placeName');

export const Flag = (description: string) => Type.Boolean({ description });

/** Optional property: absent means "not sent", never "false". */
export const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

export const StateCodeSchema = Type.String({
  pattern: '^[A-Z]{2}$',
  'x-codeset': 'usState',
  description: 'Two-letter postal code.',
});
export const MsixIdSchema = Type.String({
  pattern: '^[1-9][0-9]{11}$',
  'x-msix-id': true,
  description: '12-digit MSIX id with a Damm check digit.',
});
export const NcesSchoolId = Type.String({ pattern: '^[0-9]{12}$', description: 'NCES 12-digit school id.' });
export const NcesDistrictId = Type.String({
  pattern: '^[0-9]{7}$',
  description: 'NCES 7-digit local education agency id.',
});
export const AcademicYear = Type.Integer({ minimum: 1900, maximum: 2100 });
