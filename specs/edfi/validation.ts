/**
 * Validation of Ed-Fi documents with ajv, reporting the way the Ed-Fi
 * ODS/API and DMS do: `validationErrors` keyed by JSON path (`$.a.b[0].c`),
 * each with sentences. Like the DMS, properties the resource does not have
 * are dropped (overposting) and `null` means "absent". Like the ODS/API (whose
 * JSON reader converts them), quoted numbers and booleans are taken for the
 * numbers and booleans the schema asks for (`"schoolId": "255901001"`), and
 * numbers for strings; a collection holding the same item twice is refused. `_ext` extensions are kept as sent.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { checkDescriptor } from './descriptors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** JSON path -> messages, as in Ed-Fi problem details. */
export type ValidationErrors = Record<string, string[]>;

export type DocumentResult =
  | { kind: 'ok'; doc: Record<string, unknown> }
  | { kind: 'invalid'; validationErrors: ValidationErrors };

const IDENTITY_SPACES = /^\S(?:[\s\S]*\S)?$/;
const NOT_BLANK = /\S/;

/**
 * The ajv instance for Ed-Fi schemas: descriptor and whitespace rules are keywords, so the schema states every rule.
 */
export function createEdfiAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    removeAdditional: true,
    // "255901001" for an integer, "true" for a boolean, 604821 for a string: converted, as the ODS/API converts them.
    coerceTypes: true,
    useDefaults: false,
  });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: 'x-edfi-descriptor',
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: function check(type: string, data: string) {
      const r = checkDescriptor(type, data);
      if (r.kind === 'ok') return true;
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'x-edfi-descriptor', message: r.message, params: { descriptor: type, suggestions: r.suggestions } },
      ];
      return false;
    },
  });
  ajv.addKeyword({
    keyword: 'x-edfi-spaces',
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: function check(rule: string, data: string) {
      if (data === '') return true; // minLength reports the empty string
      if (rule === 'identity' ? IDENTITY_SPACES.test(data) : NOT_BLANK.test(data)) return true;
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'x-edfi-spaces', message: 'spaces', params: { rule } },
      ];
      return false;
    },
  });
  return ajv;
}

const ajv = createEdfiAjv();
const compiled = new Map<TSchema, ValidateFunction>();

/**
 * An extension (`_ext`): an object of extension projects, each an object of its own (`{"_ext": {"tx": {…}}}`). The
 * gateway serves no extension project, so their members are not checked: they are stored and returned as sent, and
 * map to nothing.
 */
const EXTENSION = {
  type: 'object',
  additionalProperties: { type: 'object' },
  description: 'Extensions by project name, stored and returned as sent (no extension project is served).',
};

/** The schema with `_ext` allowed on the document and on every object in it, as the Ed-Fi API allows it. */
function withExtensions(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as { properties?: Record<string, unknown>; items?: unknown };
  if (s.properties) {
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties)) properties[k] = withExtensions(v);
    return { ...s, properties: { ...properties, _ext: EXTENSION } };
  }
  if (s.items) return { ...s, items: withExtensions(s.items) };
  return schema;
}

/** Compiles a resource schema once (with `_ext` allowed on every object). */
export function edfiValidatorFor(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(withExtensions(schema) as TSchema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** `/addresses/0/city` -> `$.addresses[0].city`. */
export function jsonPath(pointer: string): string {
  if (!pointer) return '$';
  return (
    '$' +
    pointer
      .split('/')
      .slice(1)
      .map((raw) => {
        const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        return /^\d+$/.test(k) ? `[${k}]` : `.${k}`;
      })
      .join('')
  );
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

const lastName = (pointer: string) => {
  const parts = pointer.split('/').filter((p) => p && !/^\d+$/.test(p));
  return parts[parts.length - 1] ?? 'value';
};

function message(e: ErrorObject, data: unknown): { path: string; text: string } {
  const p = e.params as Record<string, unknown>;
  const name = lastName(e.instancePath);
  const value = valueAt(data, e.instancePath);
  switch (e.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      return { path: jsonPath(`${e.instancePath}/${missing}`), text: `${missing} is required.` };
    }
    case 'minLength':
      return {
        path: jsonPath(e.instancePath),
        text:
          value === ''
            ? `${name} is required and should not be left empty.`
            : `${name} Value should be at least ${String(p.limit)} characters`,
      };
    case 'maxLength':
      return { path: jsonPath(e.instancePath), text: `${name} Value should be at most ${String(p.limit)} characters` };
    case 'x-edfi-spaces':
      return { path: jsonPath(e.instancePath), text: `${name} cannot contain leading or trailing spaces.` };
    case 'x-edfi-descriptor':
      return { path: jsonPath(e.instancePath), text: e.message ?? `${name} is not a valid descriptor.` };
    case 'type':
      return {
        path: jsonPath(e.instancePath),
        text:
          `${name} must be of type ${String(p.type)}, but it is ` +
          `${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}.`,
      };
    case 'format':
      return {
        path: jsonPath(e.instancePath),
        text:
          p.format === 'date'
            ? `${name} must be a valid date in the form YYYY-MM-DD.`
            : `${name} must be a valid ` +
              `${p.format === 'iso-date-time' ? 'date-time (YYYY-MM-DDThh:mm:ss)' : String(p.format)}.`,
      };
    case 'minimum':
    case 'maximum':
      return {
        path: jsonPath(e.instancePath),
        text: `${name} must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)}.`,
      };
    case 'minItems':
      return { path: jsonPath(e.instancePath), text: `${name} must have at least ${String(p.limit)} item(s).` };
    default:
      return { path: jsonPath(e.instancePath), text: `${name} ${e.message ?? 'is invalid'}.` };
  }
}

/** ajv errors as Ed-Fi validationErrors (one path may carry several sentences). */
export function toValidationErrors(errors: ErrorObject[] | null | undefined, data: unknown): ValidationErrors {
  const out: ValidationErrors = {};
  for (const e of errors ?? []) {
    const m = message(e, data);
    const list = (out[m.path] ??= []);
    if (!list.includes(m.text)) list.push(m.text);
  }
  return out;
}

/** Deletes `null` members, recursively: Ed-Fi treats a null optional property as not sent. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v === null) delete (value as Record<string, unknown>)[k];
      else dropNulls(v);
    }
  }
  return value;
}

/**
 * Validates one document against a resource schema, in place: nulls and
 * properties the resource does not define are removed first.
 */
export function validateDocument(schema: TSchema, body: unknown): DocumentResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { kind: 'invalid', validationErrors: { $: ['The request body must be a JSON object.'] } };
  }
  dropNulls(body);
  const validate = edfiValidatorFor(schema);
  if (!validate(body)) return { kind: 'invalid', validationErrors: toValidationErrors(validate.errors, body) };
  const duplicates: ValidationErrors = {};
  findDuplicateItems(schema, body, '', duplicates);
  if (Object.keys(duplicates).length) return { kind: 'invalid', validationErrors: duplicates };
  return { kind: 'ok', doc: body as Record<string, unknown> };
}

/** 2 -> '2nd', 11 -> '11th', 23 -> '23rd'. */
const ordinal = (n: number): string =>
  `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;

/**
 * The identifying values of a collection item: its required members (in the Data Standard a collection item's key
 * members are required ones), strings compared case-insensitively as descriptors and keys are. Items without
 * required members are not compared.
 */
function itemKey(itemSchema: TSchema, item: unknown): string | null {
  const required = (itemSchema as { required?: readonly string[] }).required;
  if (!required?.length || !item || typeof item !== 'object') return null;
  const norm = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.toLowerCase()
      : v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'link')
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, norm(x)]),
          )
        : v;
  return JSON.stringify(required.map((k) => norm((item as Record<string, unknown>)[k])));
}

/**
 * Collections holding the same item twice (the ODS/API refuses them: the item would be stored once), at every depth;
 * the message names the later item, as the ODS/API's does.
 */
function findDuplicateItems(schema: TSchema, data: unknown, pointer: string, out: ValidationErrors): void {
  const s = schema as { properties?: Record<string, TSchema>; items?: TSchema; type?: string };
  if (Array.isArray(data) && s.items) {
    const seen = new Set<string>();
    data.forEach((item, i) => {
      const key = itemKey(s.items!, item);
      if (key !== null) {
        if (seen.has(key)) {
          const path = jsonPath(pointer);
          (out[path] ??= []).push(
            `The ${ordinal(i + 1)} item of ${lastName(pointer)} has the same identifying values as another item ` +
              'earlier in the list.',
          );
        }
        seen.add(key);
      }
      findDuplicateItems(s.items!, item, `${pointer}/${i}`, out);
    });
    return;
  }
  if (data && typeof data === 'object' && s.properties) {
    for (const [k, ps] of Object.entries(s.properties)) {
      const v = (data as Record<string, unknown>)[k];
      if (v !== undefined) findDuplicateItems(ps, v, `${pointer}/${k}`, out);
    }
  }
}
