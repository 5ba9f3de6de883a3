import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { asStateSystem, type AuthedInject } from '../support/auth.js';
import { sampleRecord } from '../support/records.js';

/**
 * Issue 13 finding 14: NUL or a lone surrogate in a name or a client_id answered 500 (Postgres refuses NUL in text).
 * Each is now a 400 at the edge, audited as a rejected request, with nothing stored.
 */
let sys: TestSystem;
let tx: AuthedInject;
beforeAll(async () => {
  sys = await startSystem();
  tx = await asStateSystem(sys, 'TX');
});
afterAll(async () => sys?.close());

const form = (body: string, basic?: string) =>
  sys.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic, 'utf8').toString('base64')}` } : {}),
    },
  });

describe('odd input at the edge', () => {
  it('refuses NUL and lone surrogates in a record with 400, never 500', async () => {
    for (const name of ['Ana\u0000', 'Ana\uD800', '\uDC00Ana']) {
      const r = await tx({
        method: 'POST',
        url: '/api/v1/states/TX/records',
        payload: sampleRecord({ stateStudentId: 'ODD-1', identity: { firstName: name } }),
      });
      expect(r.statusCode, JSON.stringify(name)).toBe(400);
      expect(r.json().errors[0]).toMatchObject({ path: 'body:/identity/firstName', rule: 'text' });
    }
    const stored = await sys.db.query(`SELECT 1 FROM state_records WHERE state_student_id = 'ODD-1'`);
    expect(stored.rows).toHaveLength(0);
    // A paired surrogate (an emoji) is valid text and goes on to ordinary validation.
    const emoji = await tx({
      method: 'POST',
      url: '/api/v1/states/TX/records',
      payload: sampleRecord({ stateStudentId: 'ODD-2', identity: { firstName: 'Ana\uD83D\uDE00' } }),
    });
    expect(emoji.statusCode).not.toBe(500);
  });

  it('refuses NUL in a client_id, in the form body and in the Basic header, without a 500', async () => {
    expect((await form('grant_type=client_credentials&client_id=a%00b&client_secret=x')).statusCode).toBe(400);
    const basic = await form('grant_type=client_credentials', 'a\u0000b:secret');
    expect(basic.statusCode).toBe(401);
    expect((await form('grant_type=client_credentials', '\uD800x:secret')).statusCode).toBeLessThan(500);
  });

  it('refuses NUL in a query string and a path', async () => {
    expect((await tx('/api/v1/exchanges?status=%00')).statusCode).toBe(400);
    expect((await tx('/api/v1/states/TX/records/A%00B')).statusCode).toBe(400);
    const failed = await sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'request.failed'`,
    );
    expect(failed.rows[0]!.n).toBe(0);
  });
});
