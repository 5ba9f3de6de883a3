import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParseEvent } from '@msix/adapter-sdk';
import { loadAdapters } from '../../adapters/registry.js';
import { sharedData } from '../support/data.js';

async function run(parts: string[]): Promise<ParseEvent[]> {
  const reg = await loadAdapters({ only: ['edfi-xml'] });
  const a = reg.get('edfi-xml')!;
  const input = {
    parts: parts.map((p) => ({
      name: p.split('/').pop()!,
      open: () => createReadStream(p, { highWaterMark: 16 * 1024 }),
    })),
  };
  const out: ParseEvent[] = [];
  for await (const ev of a.parse(input, { stateCode: 'TX' })) out.push(ev);
  return out;
}

describe('edfi-xml on the Grand Bend sample interchanges (read in place)', () => {
  const program = sharedData('edfi', 'Samples', 'xml', 'StudentProgram.xml');
  const student = sharedData('edfi', 'Samples', 'xml', 'Student.xml');

  it('accepts all 275 migrant program associations, one record per student', async () => {
    const evs = await run([student, program]);
    const ok = evs.filter((e) => e.kind === 'ok');
    expect(ok).toHaveLength(275);
    expect(evs.filter((e) => e.kind === 'invalid')).toHaveLength(0);
    expect(evs.filter((e) => e.kind === 'file' && e.issue.severity === 'error')).toHaveLength(0);
    const ids = new Set(ok.map((e) => (e.kind === 'ok' ? e.record.stateStudentId : '')));
    expect(ids.size).toBe(275);
    const sampleIds = new Set(
      [
        ...readFileSync(program, 'utf8').matchAll(
          new RegExp(
            String.raw`<StudentMigrantEducationProgramAssociation>\s*<StudentReference>\s*<StudentIdentity>\s*` +
              '<StudentUniqueId>([^<]*)<',
            'g',
          ),
        ),
      ].map((m) => m[1]!.trim()),
    );
    expect(ids).toEqual(sampleIds);
  });

  it('reads the trailing-space ids and the 0/1 booleans, and says where the qualifying date came from', async () => {
    expect(readFileSync(program, 'utf8')).toContain('<EducationOrganizationId>255901 </EducationOrganizationId>');
    const evs = await run([program, student]); // part order does not matter
    const first = evs.find((e) => e.kind === 'ok');
    expect(first).toMatchObject({
      kind: 'ok',
      record: {
        stateCode: 'TX',
        stateStudentId: '605078',
        identity: { firstName: 'Eduardo', lastName1: 'Wu', birthDate: '2014-05-20' },
        qualifyingMoves: [{ qualifyingArrivalDate: '2021-08-31' }],
      },
      source: { part: 'StudentProgram.xml', studentKey: '605078' },
    });
    if (first?.kind === 'ok') expect(first.warnings.map((w) => w.rule)).toEqual(['derived']);
    expect(
      evs.find(
        (e) =>
          e.kind === 'file' &&
          e.issue.code === 'ignored' &&
          /no StudentMigrantEducationProgramAssociation/.test(e.issue.message),
      ),
    ).toBeDefined();
  });

  it('rejects every association when Student.xml is missing, each with a clear reason', async () => {
    const evs = await run([program]);
    const bad = evs.filter((e) => e.kind === 'invalid');
    expect(bad).toHaveLength(275);
    expect(bad[0]).toMatchObject({ issues: [{ path: '/identity', rule: 'required' }] });
  });
});
