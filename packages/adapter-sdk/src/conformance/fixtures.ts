/**
 * Fixture layout the conformance kit reads (see docs/adapters.md):
 *
 *   fixtures/fixtures.json          optional: { "context": {...}, "config": {...} } for every fixture
 *   fixtures/valid/<name>           a file or a folder (multi-part); every record must be `ok`
 *   fixtures/invalid/<name>         a file or a folder with bad input
 *   fixtures/invalid/<name>.expect.json   what the bad input must produce
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseContext } from '../types.js';

export interface RecordExpectation {
  kind: 'ok' | 'invalid' | 'unsupported';
  studentKey?: string;
  /** Exactly the canonical paths of the record's error-level issues (order free). */
  paths?: string[];
  /** Rules that must appear among the record's issues. */
  rules?: string[];
}

export interface FixtureExpectation {
  description?: string;
  context?: ParseContext;
  /** One entry per record result, in order. */
  records?: RecordExpectation[];
  /** File issue codes that must be raised (warnings and errors); no other error-level code may be. */
  fileIssues?: string[];
  counts?: Partial<Record<'ok' | 'invalid' | 'unsupported', number>>;
}

export interface Fixture {
  name: string;
  path: string;
  valid: boolean;
  expect: FixtureExpectation;
}

export interface FixtureSet {
  context: ParseContext;
  config: unknown;
  fixtures: Fixture[];
}

export function readFixtures(adapterDir: string): FixtureSet {
  const root = join(adapterDir, 'fixtures');
  const common = existsSync(join(root, 'fixtures.json'))
    ? (JSON.parse(readFileSync(join(root, 'fixtures.json'), 'utf8')) as { context?: ParseContext; config?: unknown })
    : {};
  const fixtures: Fixture[] = [];
  for (const valid of [true, false]) {
    const dir = join(root, valid ? 'valid' : 'invalid');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.expect.json') || name.startsWith('.')) continue;
      const expectPath = join(dir, `${name}.expect.json`);
      const expect = existsSync(expectPath) ? (JSON.parse(readFileSync(expectPath, 'utf8')) as FixtureExpectation) : {};
      fixtures.push({ name: `${valid ? 'valid' : 'invalid'}/${name}`, path: join(dir, name), valid, expect });
    }
  }
  return { context: common.context ?? {}, config: common.config ?? {}, fixtures };
}
