import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MsixId, StateRecord } from '@msix/adapter-sdk/canonical';
import { freshDb } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { buildAnswer } from '../../core/exchange/requests/answer.js';
import { createRecordRequest, type RequestDeps } from '../../core/exchange/requests/request-flow.js';
import { sampleRecord } from '../support/records.js';
import { consolidation, linkOf, storeAndMatch } from '../matching-store/helpers.js';

/**
 * Issue 13 deliverable 2: live queries go only to states that hold the child, "or all states, by policy, with
 * demographics minimised". With EXCHANGE_ASK_ALL_LIVE_STATES a record request also asks every other live-source
 * state, by first name, first surname and birth date only; never the requester's own state, never when the
 * requester names states, and an answer that does not single the child out is not merged in.
 */
describe('asking every live state by policy', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let msixId: string;
  beforeAll(async () => {
    ({ db, drop } = await freshDb('postgres'));
    const tx = await storeAndMatch(db, {
      stateCode: 'TX',
      stateStudentId: 'TX-ANA',
      identity: { firstName: 'Ana', middleName: 'Lucia', lastName1: 'Reyes', birthDate: '2012-05-06', sex: 'F' },
    });
    msixId = (await linkOf(db, tx.id))!;
    const source = { apiBase: 'https://api.example/data/v3', tokenUrl: 'https://api.example/oauth/token' };
    for (const st of ['TX', 'CA', 'FL', 'OR'])
      await db.query('INSERT INTO exchange_endpoints (state_code, source) VALUES ($1, $2)', [
        st,
        JSON.stringify({ ...source, clientId: `${st}-gw`, clientSecret: 'a-source-secret-of-enough-length' }),
      ]);
  });
  afterAll(async () => {
    await drop?.();
  });

  const ask = async (askAllLiveStates: boolean, states?: string[]) => {
    const deps: RequestDeps = {
      db,
      consolidation,
      deadline: { defaultSeconds: 30, maxSeconds: 3600 },
      entitle: async () => ({ kind: 'granted', basis: 'test', reason: 'test ground' }),
      askAllLiveStates,
    };
    const who = { state: 'FL', subject: 'fl-counselor', clientId: null, roles: ['counselor'] };
    const res = await createRecordRequest(
      deps,
      who,
      { msixId, purpose: 'enrollment', ...(states ? { states } : {}) },
      't',
    );
    if (res.kind !== 'waiting') throw new Error(JSON.stringify(res));
    const q = await db.query<{ state_code: string; query: unknown; fields: string[] }>(
      `SELECT state_code, body->'data'->'query' AS query, audit->'fields' AS fields FROM deliveries
       WHERE kind = 'record-query' AND request_id = $1 ORDER BY state_code`,
      [res.request.id],
    );
    return q.rows;
  };

  it('asks only the state holding the child when the policy is off', async () => {
    expect(await ask(false)).toEqual([
      { state_code: 'TX', query: { stateStudentId: 'TX-ANA' }, fields: ['stateStudentId'] },
    ]);
  });

  it('by policy asks every other live state by name and birth date only, never the requester', async () => {
    const minimal = { firstName: 'Ana', lastName1: 'Reyes', birthDate: '2012-05-06' };
    const fields = ['firstName', 'lastName1', 'birthDate'];
    expect(await ask(true)).toEqual([
      { state_code: 'CA', query: minimal, fields },
      { state_code: 'OR', query: minimal, fields },
      { state_code: 'TX', query: { stateStudentId: 'TX-ANA' }, fields: ['stateStudentId'] },
    ]);
    // States the requester names are asked only as named (each must hold the child): the policy adds nobody.
    expect((await ask(true, ['TX'])).map((r) => r.state_code)).toEqual(['TX']);
  });

  it('merges a demographic answer only when it names one child', () => {
    const other = (id: string, first: string) =>
      sampleRecord({
        stateCode: 'CA',
        stateStudentId: id,
        identity: { firstName: first, lastName1: 'Reyes', birthDate: '2012-05-06' },
      }) as StateRecord;
    const answer = (records: StateRecord[]) =>
      buildAnswer({
        msixId: msixId as MsixId,
        stored: [],
        live: [{ stateCode: 'CA', status: 'answered', records, detail: null }],
        states: ['CA'],
        opts: consolidation,
        now: '2026-12-03T00:00:00Z',
        createdAt: '2026-01-01T00:00:00Z',
      });
    expect(answer([other('CA-1', 'Ana')]).student.records.map((r) => r.stateStudentId)).toEqual(['CA-1']);
    const two = answer([other('CA-1', 'Ana'), other('CA-2', 'Ana')]);
    expect(two.student.records).toEqual([]);
    expect(two.sources[0]!.detail).toMatch(/several children: none used/);
  });
});
