/**
 * The engine that applies the declarative SIF mapping (fields.ts) both ways: a SIF object tree to a canonical
 * fragment (with field issues for values it cannot take, each naming the SIF path, the rule and the fix), and a
 * canonical fragment back onto a SIF tree. Pure: no I/O; crosswalks come from the registry loaded once.
 */
import type { FieldIssue } from '@msix/adapter-sdk/canonical';
import type { SifObjectName } from '../../specs/sif/objects.js';
import { mapField } from '../engine.js';
import { requireCrosswalk } from '../loader.js';
import type { Crosswalk } from '../types.js';
import { SIF_MAPPINGS, type SifFieldRule } from './fields.js';
import { normalizeObject, setAt, valueAt, type SifElement, type SifValue } from './tree.js';

/** A canonical fragment: nested plain values keyed by the mapping's canonical paths. */
export type SifFragment = Record<string, unknown>;

export interface SifToCanonical {
  fragment: SifFragment;
  /** RefIds of the objects this one points at (student, school, LEA). */
  refs: { student?: string; school?: string; lea?: string };
  issues: FieldIssue[];
}

const crosswalks = new Map<string, Crosswalk>();
const crosswalk = (id: string): Crosswalk => {
  let c = crosswalks.get(id);
  if (!c) crosswalks.set(id, (c = requireCrosswalk(id)));
  return c;
};

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const YES = new Set(['yes', 'y', 'true', '1']);
const NO = new Set(['no', 'n', 'false', '0']);

/** Paths split once per path, not once per value read or set (a 1,000-object request reads each path 1,000 times). */
const splitCache = new Map<string, readonly string[]>();
function split(path: string, by: '.' | '/'): readonly string[] {
  const key = by + path;
  let steps = splitCache.get(key);
  if (!steps) splitCache.set(key, (steps = path.split(by)));
  return steps;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const steps = split(path, '.');
  let cur = target;
  for (let i = 0; i < steps.length - 1; i++) cur = (cur[steps[i]!] ??= {}) as Record<string, unknown>;
  cur[steps[steps.length - 1]!] = value;
}

function getPath(source: Record<string, unknown>, path: string): unknown {
  let cur: unknown = source;
  for (const s of path.split('.'))
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[s] : undefined;
  return cur;
}

/** One issue of a rule's value, at the path it was read from (made here, only for a value that has an issue). */
function issue(
  issues: FieldIssue[],
  at: string,
  rule: SifFieldRule,
  primary: string | undefined,
  raw: string,
  what: [rule: string, message: string, fix: string],
): undefined {
  const path = `${at}/${rule.fallback && primary === undefined ? rule.fallback : rule.sif}`;
  issues.push({ path, value: raw, rule: what[0], message: what[1], fix: what[2], severity: 'error' });
  return undefined;
}

const NOT_A_DATE: [string, string, string] = ['format', 'is not a date', 'Write the date as YYYY-MM-DD.'];
const NOT_A_FLAG: [string, string, string] = ['flag', 'is not Yes or No', 'Send Yes or No.'];
const NOT_A_NUMBER: [string, string, string] = ['format', 'is not a decimal number', 'Send a number such as 0.50.'];
const NOT_A_YEAR: [string, string, string] = [
  'format',
  'is not a four-digit year',
  'Send the year the school year ends, e.g. 2025.',
];

/** Reads one rule's value from a tree; undefined when absent, an issue when present but not acceptable. */
function read(rule: SifFieldRule, tree: SifElement, at: string, issues: FieldIssue[]): unknown {
  const primary = valueAt(tree, rule.sif);
  const raw = (primary ?? (rule.fallback ? valueAt(tree, rule.fallback) : undefined))?.trim();
  if (raw === undefined || raw === '') return undefined;
  switch (rule.kind) {
    case 'text':
      return raw;
    case 'date':
      return DATE.test(raw) ? raw : issue(issues, at, rule, primary, raw, NOT_A_DATE);
    case 'flag': {
      const v = raw.toLowerCase();
      if (YES.has(v)) return true;
      if (NO.has(v)) return false;
      return issue(issues, at, rule, primary, raw, NOT_A_FLAG);
    }
    case 'number': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : issue(issues, at, rule, primary, raw, NOT_A_NUMBER);
    }
    case 'year': {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 1900 && n <= 2100
        ? n + (rule.yearOffset ?? 0)
        : issue(issues, at, rule, primary, raw, NOT_A_YEAR);
    }
    case 'code':
      return mapField(
        crosswalk(rule.crosswalk!),
        raw,
        `${at}/${rule.fallback && primary === undefined ? rule.fallback : rule.sif}`,
        issues,
      );
  }
}

function write(rule: SifFieldRule, value: unknown): string | undefined {
  if (value === undefined || value === null || rule.readOnly) return undefined;
  switch (rule.kind) {
    case 'flag':
      return value ? 'Yes' : 'No';
    case 'number':
      return typeof value === 'number' ? value.toFixed(2) : String(value);
    case 'year':
      return String(Number(value) - (rule.yearOffset ?? 0));
    case 'code':
      return crosswalk(rule.crosswalk!).reverse(String(value));
    default:
      return String(value);
  }
}

const members = (v: SifValue | SifValue[] | undefined): SifElement[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x): x is SifElement => typeof x === 'object');

/** Follows a path of element names through repeating elements, collecting every element at its end. */
function allAt(tree: SifElement, path: string): SifElement[] {
  let cur: SifElement[] = [tree];
  for (const step of path.split('/')) cur = cur.flatMap((e) => members(e[step]));
  return cur;
}

/** Maps a SIF object tree to its canonical fragment. */
export function sifToCanonical(object: SifObjectName, tree: SifElement): SifToCanonical {
  const m = SIF_MAPPINGS[object];
  const issues: FieldIssue[] = [];
  const fragment: SifFragment = {};
  const at = `/${object}`;
  for (const rule of m.fields) {
    const v = read(rule, tree, at, issues);
    if (v !== undefined) setPath(fragment, rule.canonical, v);
  }
  for (const list of m.lists ?? []) {
    const items: Record<string, unknown>[] = [];
    allAt(tree, list.outer).forEach((outer, i) => {
      const outerAt = `${at}/${list.outer}[${i + 1}]`;
      const shared: Record<string, unknown> = {};
      for (const rule of list.outerFields) {
        const v = read(rule, outer, outerAt, issues);
        if (v !== undefined) shared[rule.canonical] = v;
      }
      allAt(outer, list.inner).forEach((item, j) => {
        const o: Record<string, unknown> = { ...shared };
        for (const rule of list.fields) {
          const v = read(rule, item, `${outerAt}/${list.inner}[${j + 1}]`, issues);
          if (v !== undefined) o[rule.canonical] = v;
        }
        items.push(o);
      });
    });
    if (items.length) fragment[list.canonical] = items;
  }
  const refs: SifToCanonical['refs'] = {};
  for (const [k, path] of Object.entries(m.refs) as [keyof SifToCanonical['refs'], string][]) {
    const v = valueAt(tree, path);
    if (v) refs[k] = v;
  }
  return { fragment, refs, issues };
}

/**
 * Writes a canonical fragment onto a SIF tree: a copy of `base` (the object as stored, so unmapped elements are kept)
 * or a new one. Lists replace the base's list elements.
 */
export function canonicalToSif(object: SifObjectName, fragment: SifFragment, base: SifElement = {}): SifElement {
  const m = SIF_MAPPINGS[object];
  const tree = structuredClone(base);
  for (const rule of m.fields) {
    const v = write(rule, getPath(fragment, rule.canonical));
    if (v !== undefined) setAt(tree, rule.sif, v);
  }
  for (const list of m.lists ?? []) {
    const items = (fragment[list.canonical] as Record<string, unknown>[] | undefined) ?? [];
    if (!items.length) continue;
    const [outerParent, outerName] = splitLast(list.outer);
    const [innerParent, innerName] = splitLast(list.inner);
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const it of items) {
      const key = JSON.stringify(list.outerFields.filter((r) => !r.readOnly).map((r) => it[r.canonical] ?? null));
      groups.set(key, [...(groups.get(key) ?? []), it]);
    }
    const outers: SifElement[] = [];
    for (const group of groups.values()) {
      const outer: SifElement = {};
      for (const rule of list.outerFields) {
        const v = write(rule, group[0]![rule.canonical]);
        if (v !== undefined) setAt(outer, rule.sif, v);
      }
      const inner: SifElement[] = group.map((it) => {
        const e: SifElement = {};
        for (const rule of list.fields) {
          const v = write(rule, it[rule.canonical]);
          if (v !== undefined) setAt(e, rule.sif, v);
        }
        return e;
      });
      placeList(outer, innerParent, innerName, inner);
      outers.push(outer);
    }
    placeList(tree, outerParent, outerName, outers);
  }
  // Repeatable elements made on the way become arrays, as the schema says.
  return normalizeObject(object, tree, []);
}

function splitLast(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

function placeList(tree: SifElement, parentPath: string, name: string, items: SifElement[]): void {
  let cur = tree;
  for (const step of parentPath ? parentPath.split('/') : []) {
    const next = cur[step];
    if (next === undefined || typeof next === 'string' || Array.isArray(next)) cur[step] = {};
    cur = cur[step] as SifElement;
  }
  cur[name] = items;
}

/** Every mapped SIF path of an object (for the round-trip proof and the docs table). */
export function mappedPaths(object: SifObjectName): SifFieldRule[] {
  const m = SIF_MAPPINGS[object];
  return [...m.fields, ...(m.lists ?? []).flatMap((l) => [...l.outerFields, ...l.fields])];
}
