import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { CODESET_VERSION, isCodesetName, isValidCode, nearestCodes, type CodesetName } from './codesets.js';
import type { FieldIssue } from './issues.js';
import { isMsixId } from './ids.js';
import { isTextKind, textKindProblem } from './text-kinds.js';
import { StateRecordSchema, type StateRecord } from './state-record.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * The one ajv instance for canonical schemas. Code sets and the MSIX check digit
 * are ajv keywords, so the schema stays the single statement of every rule.
 */
export function createAjv(opts: { coerceTypes?: boolean | 'array' } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true, coerceTypes: opts.coerceTypes ?? false });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: 'x-codeset',
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: function check(this: unknown, set: string, data: string) {
      if (!isCodesetName(set)) throw new Error(`schema names unknown code set ${set}`);
      if (isValidCode(set, data)) return true;
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'x-codeset', message: `is not a ${set} code`, params: { codeset: set } },
      ];
      return false;
    },
  });
  ajv.addKeyword({
    keyword: 'x-text',
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: function check(kind: string, data: string) {
      if (!isTextKind(kind)) throw new Error(`schema names unknown text kind ${kind}`);
      const allowed = textKindProblem(kind, data);
      if (allowed === null) return true;
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'x-text', message: `holds characters a ${kind} cannot have`, params: { kind, allowed } },
      ];
      return false;
    },
  });
  ajv.addKeyword({
    keyword: 'x-msix-id',
    type: 'string',
    schemaType: 'boolean',
    errors: true,
    validate: function check(_: boolean, data: string) {
      if (isMsixId(data)) return true;
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'x-msix-id', message: 'fails the MSIX id check digit', params: {} },
      ];
      return false;
    },
  });
  return ajv;
}

export const ajv = createAjv();

const compiled = new Map<TSchema, ValidateFunction>();
/** Compiles a schema once and keeps it. */
export function validatorFor<T>(schema: TSchema): ValidateFunction<T> {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn as ValidateFunction<T>;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (!pointer) return root;
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function describe(e: ErrorObject, value: unknown): { message: string; fix?: string; path: string } {
  const at = e.instancePath || '/';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        path: `${e.instancePath}/${String(p.missingProperty)}`,
        message: `${String(p.missingProperty)} is required`,
        fix: `Send ${String(p.missingProperty)}.`,
      };
    case 'additionalProperties':
      return {
        path: `${e.instancePath}/${String(p.additionalProperty)}`,
        message: `${String(p.additionalProperty)} is not a field of this record`,
        fix: 'Remove the field or check its spelling against the schema.',
      };
    case 'x-codeset': {
      const set = p.codeset as CodesetName;
      const near = nearestCodes(set, String(value));
      return {
        path: at,
        message: `'${String(value)}' is not a valid ${set} code`,
        fix: `Use a ${set} code, for example ${near.map((c) => `${c.code} (${c.label})`).join(', ')}.`,
      };
    }
    case 'x-text':
      return {
        path: at,
        // The message never quotes the value (it may be a name): the issue's `value` carries it, masked for readers
        // who may not see it.
        message: 'holds characters not allowed here',
        fix: `Use ${String(p.allowed)}.`,
      };
    case 'format':
      return {
        path: at,
        message: `is not a valid ${String(p.format)}`,
        fix: p.format === 'date' ? 'Send a real calendar date as YYYY-MM-DD.' : `Send a valid ${String(p.format)}.`,
      };
    case 'type':
      return {
        path: at,
        message: `must be ${String(p.type)}, got ${value === null ? 'null' : typeof value}`,
        fix: `Send a ${String(p.type)}.`,
      };
    case 'enum':
    case 'const':
      return {
        path: at,
        message: `'${String(value)}' is not allowed`,
        fix: `Use one of ${JSON.stringify(p.allowedValues ?? p.allowedValue)}.`,
      };
    case 'maxLength':
      return {
        path: at,
        message: `is longer than ${String(p.limit)} characters`,
        fix: `Shorten it to at most ${String(p.limit)} characters.`,
      };
    case 'minLength':
      return { path: at, message: 'must not be empty', fix: 'Send a value or leave the field out.' };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        path: at,
        message: `must be ${String(p.comparison)} ${String(p.limit)}`,
        fix: `Send a number ${String(p.comparison)} ${String(p.limit)}.`,
      };
    default:
      return { path: at, message: e.message ?? 'is invalid' };
  }
}

/**
 * Turns ajv errors into field issues. `anyOf` noise from unions is folded away
 * so a wrong action code gives one error, not three.
 */
export function toFieldIssues(errors: ErrorObject[] | null | undefined, data: unknown, basePath = ''): FieldIssue[] {
  if (!errors) return [];
  const seen = new Set<string>();
  const out: FieldIssue[] = [];
  const constPaths = new Map<string, unknown[]>();
  for (const e of errors)
    if (e.keyword === 'const') {
      const list = constPaths.get(e.instancePath) ?? [];
      list.push((e.params as { allowedValue: unknown }).allowedValue);
      constPaths.set(e.instancePath, list);
    }
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const value = valueAt(data, e.instancePath);
    let d = describe(e, value);
    if (e.keyword === 'const' || (e.keyword === 'type' && constPaths.has(e.instancePath))) {
      const allowed = constPaths.get(e.instancePath) ?? [];
      d = {
        path: e.instancePath || '/',
        message: `'${String(value)}' is not allowed`,
        fix: `Use one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}.`,
      };
    }
    const key = `${d.path}|${e.keyword === 'type' ? 'const' : e.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const shown = e.keyword === 'additionalProperties' ? valueAt(data, d.path) : value;
    out.push({
      path: basePath + d.path,
      value: shown,
      rule: e.keyword.replace(/^x-/, ''),
      message: d.message,
      ...(d.fix ? { fix: d.fix } : {}),
      severity: 'error',
    });
  }
  return out;
}

/** Checks the rules a JSON Schema cannot say (dates in order). */
function crossFieldIssues(r: StateRecord): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const today = new Date().toISOString().slice(0, 10);
  if (r.identity.birthDate > today) {
    issues.push({
      path: '/identity/birthDate',
      value: r.identity.birthDate,
      rule: 'notInFuture',
      message: 'birth date is in the future',
      fix: 'Check the year; dates are YYYY-MM-DD.',
      severity: 'error',
    });
  }
  r.enrollments?.forEach((e, i) => {
    if (e.withdrawalDate && e.withdrawalDate < e.enrollmentDate) {
      issues.push({
        path: `/enrollments/${i}/withdrawalDate`,
        value: e.withdrawalDate,
        rule: 'dateOrder',
        message: `withdrawal date is before the enrollment date ${e.enrollmentDate}`,
        fix: 'Send a withdrawal date on or after the enrollment date.',
        severity: 'error',
      });
    }
    if (e.enrollmentDate < r.identity.birthDate) {
      issues.push({
        path: `/enrollments/${i}/enrollmentDate`,
        value: e.enrollmentDate,
        rule: 'dateOrder',
        message: 'enrollment date is before the birth date',
        fix: 'Check the enrollment and birth dates.',
        severity: 'error',
      });
    }
  });
  r.courses?.forEach((c, i) => {
    if (c.endAcademicYear < c.beginAcademicYear) {
      issues.push({
        path: `/courses/${i}/endAcademicYear`,
        value: c.endAcademicYear,
        rule: 'dateOrder',
        message: `end academic year is before the begin year ${c.beginAcademicYear}`,
        fix: 'Send the end year on or after the begin year.',
        severity: 'error',
      });
    }
  });
  r.qualifyingMoves?.forEach((m, i) => {
    if (m.eligibilityExpirationDate && m.eligibilityExpirationDate < m.qualifyingArrivalDate) {
      issues.push({
        path: `/qualifyingMoves/${i}/eligibilityExpirationDate`,
        value: m.eligibilityExpirationDate,
        rule: 'dateOrder',
        message: 'eligibility expires before the qualifying arrival date',
        fix: 'Eligibility normally ends 36 months after the qualifying arrival date.',
        severity: 'error',
      });
    }
  });
  return issues;
}

export type CanonicalResult =
  | { kind: 'ok'; record: StateRecord; codesetVersion: string }
  | { kind: 'invalid'; issues: FieldIssue[] };

/** Validates one canonical state record: schema, code sets, check digit, then cross-field rules. */
export function validateStateRecord(data: unknown): CanonicalResult {
  const validate = validatorFor<StateRecord>(StateRecordSchema);
  if (!validate(data)) return { kind: 'invalid', issues: toFieldIssues(validate.errors, data) };
  const cross = crossFieldIssues(data);
  if (cross.length) return { kind: 'invalid', issues: cross };
  return { kind: 'ok', record: data, codesetVersion: CODESET_VERSION };
}

export { StateRecordSchema };
