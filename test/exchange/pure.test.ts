import { describe, expect, it } from 'vitest';
import { requestOutcome, buildAnswer } from '../../core/exchange/requests/answer.js';
import { retryDelayMs, retryAfterMs } from '../../core/exchange/delivery/backoff.js';
import { classifyHttp } from '../../core/exchange/delivery/http.js';
import { checkEndpointInput, redactEndpoint } from '../../core/exchange/endpoints.js';
import { detectMove, moveDedupeKey } from '../../core/exchange/notices/move-detection.js';
import type { ConsolidationInput } from '../../core/consolidate.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import { sampleRecord } from '../support/records.js';

const policy = { baseMs: 1000, maxMs: 60_000 };
const linked = (
  state: string,
  id: string,
  enrollments: { enrollmentDate: string; schoolId?: string }[],
): ConsolidationInput => ({
  recordId: `${state}-${id}`,
  stateCode: state,
  stateStudentId: id,
  status: 'active',
  record: sampleRecord({
    stateCode: state,
    stateStudentId: id,
    enrollments: enrollments.map((e) => ({ enrollmentType: '01', gradeLevel: '09', ...e })),
  }),
  receivedAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  link: { linkType: 'auto', score: 1, rulesVersion: 't', linkedAt: '2026-01-01T00:00:00Z' },
});

describe('retry timing', () => {
  it('doubles with jitter between half and all of the step, and stops at the cap', () => {
    expect(retryDelayMs(1, policy, () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(4, policy, () => 1)).toBe(8000);
    expect(retryDelayMs(30, policy, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, policy, () => 0)).toBe(30_000);
  });
  it('honours Retry-After within the cap', () => {
    expect(retryAfterMs('5', policy)).toBe(5000);
    expect(retryAfterMs('999999', policy)).toBe(60_000);
    expect(retryAfterMs('soon', policy)).toBeNull();
  });
  it("classifies receivers' answers: 2xx ok, 5xx/429/timeouts transient, other 4xx invalid", () => {
    expect(classifyHttp({ kind: 'response', status: 204, retryAfter: null, text: '' }, policy).kind).toBe('ok');
    expect(classifyHttp({ kind: 'response', status: 503, retryAfter: '2', text: '' }, policy)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 2000,
    });
    expect(classifyHttp({ kind: 'response', status: 429, retryAfter: null, text: '' }, policy).kind).toBe('transient');
    expect(classifyHttp({ kind: 'network', reason: 'ECONNREFUSED' }, policy).kind).toBe('transient');
    expect(classifyHttp({ kind: 'response', status: 400, retryAfter: null, text: 'bad' }, policy).kind).toBe('invalid');
    expect(classifyHttp({ kind: 'response', status: 302, retryAfter: null, text: '' }, policy).kind).toBe('invalid');
  });
});

describe('move detection', () => {
  it('finds the move into the state of the latest enrollment, whatever order the records came in', () => {
    const tx = linked('TX', 'T1', [{ enrollmentDate: '2025-08-25' }]);
    const mi = linked('MI', 'M1', [{ enrollmentDate: '2026-05-06' }]);
    const fl = linked('FL', 'F1', [{ enrollmentDate: '2026-11-16', schoolId: '120087001079' }]);
    const m = detectMove([fl, tx, mi])!;
    expect([m.fromState, m.toState, m.enrollment.enrollmentDate]).toEqual(['MI', 'FL', '2026-11-16']);
    expect(moveDedupeKey('123', m)).toBe('move|123|MI|FL|120087001079|2026-11-16');
    expect(detectMove([fl, mi, tx])).toEqual(m);
  });
  it('sees no move with one state, and none for history arriving from a state the child left', () => {
    expect(
      detectMove([linked('TX', 'T1', [{ enrollmentDate: '2025-08-25' }, { enrollmentDate: '2026-01-10' }])]),
    ).toBeNull();
    const latest = detectMove([
      linked('TX', 'T1', [{ enrollmentDate: '2024-01-01' }]),
      linked('FL', 'F1', [{ enrollmentDate: '2026-01-01' }]),
    ])!;
    expect(latest.toState).toBe('FL');
    // TX sending older history later does not make a move into TX.
    const again = detectMove([
      linked('TX', 'T1', [{ enrollmentDate: '2024-01-01' }, { enrollmentDate: '2023-01-01' }]),
      linked('FL', 'F1', [{ enrollmentDate: '2026-01-01' }]),
    ])!;
    expect(moveDedupeKey('1', again)).toBe(moveDedupeKey('1', latest));
  });
  it('ignores withdrawn records', () => {
    const w = { ...linked('MI', 'M1', [{ enrollmentDate: '2026-05-06' }]), status: 'withdrawn' as const };
    expect(detectMove([linked('TX', 'T1', [{ enrollmentDate: '2025-08-25' }]), w])).toBeNull();
  });
});

describe('request outcomes', () => {
  const s = (...st: ('pending' | 'answered' | 'failed' | 'expired' | 'not_found')[]) =>
    st.map((status) => ({ status }));
  it('waits until the deadline, then counts what answered', () => {
    expect(requestOutcome(s('answered', 'pending'), false)).toBe('waiting');
    expect(requestOutcome(s('answered', 'pending'), true)).toBe('partly_answered');
    expect(requestOutcome(s('answered', 'answered'), false)).toBe('answered');
    expect(requestOutcome(s('pending'), true)).toBe('expired');
    expect(requestOutcome(s('failed', 'not_found'), false)).toBe('failed');
  });
  it("merges a live state's fresh record over its stored copy, and flags a stale copy", () => {
    const tx = linked('TX', 'T1', [{ enrollmentDate: '2025-08-25' }]);
    const mi = linked('MI', 'M1', [{ enrollmentDate: '2026-05-06' }]);
    const fresh = sampleRecord({
      stateCode: 'TX',
      stateStudentId: 'T1',
      courses: [
        {
          courseTitle: 'Fresh course',
          subjectArea: 'Science',
          beginAcademicYear: 2026,
          endAcademicYear: 2027,
          creditsGranted: 1,
        },
      ],
    });
    const a = buildAnswer({
      msixId: '100000000009' as MsixId,
      stored: [tx, mi],
      live: [{ stateCode: 'TX', status: 'answered', records: [fresh], detail: null }],
      states: ['TX', 'MI'],
      opts: { requiredCredits: 22 },
      now: '2026-11-28T00:00:00Z',
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(a.student.courses.map((c) => c.courseTitle)).toContain('Fresh course');
    expect(a.complete).toBe(true);
    const b = buildAnswer({
      msixId: '100000000009' as MsixId,
      stored: [tx, mi],
      live: [{ stateCode: 'TX', status: 'expired', records: [], detail: 'late' }],
      states: ['TX', 'MI'],
      opts: { requiredCredits: 22 },
      now: '2026-11-28T00:00:00Z',
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(b.sources.find((x) => x.stateCode === 'TX')).toMatchObject({ mode: 'live', status: 'expired', stale: true });
    expect(b.student.courses.map((c) => c.courseTitle)).toContain('Algebra I');
    expect(b.complete).toBe(false);
  });
});

describe('endpoint configuration', () => {
  it('takes https anywhere and plain http only on loopback', () => {
    expect(
      checkEndpointInput({
        delivery: { channel: 'webhook', url: 'https://tx.example.org/hook', secret: 'x'.repeat(32) },
      }).kind,
    ).toBe('ok');
    expect(
      checkEndpointInput({ delivery: { channel: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'x'.repeat(32) } })
        .kind,
    ).toBe('ok');
    const r = checkEndpointInput({
      delivery: { channel: 'webhook', url: 'http://tx.example.org/hook', secret: 'x'.repeat(32) },
    });
    expect(r.kind === 'invalid' && r.issues[0]!.rule).toBe('https');
    expect(
      checkEndpointInput({ delivery: { channel: 'webhook', url: 'https://tx.example.org/hook', secret: 'short' } })
        .kind,
    ).toBe('invalid');
    expect(checkEndpointInput({ delivery: { channel: 'sif' } }).kind).toBe('invalid');
  });
  it('never shows secrets', () => {
    const e = redactEndpoint({
      stateCode: 'TX',
      delivery: { channel: 'webhook', url: 'https://x.org', secret: 's3cret-s3cret-s3cret' },
      source: {
        kind: 'edfi',
        apiBase: 'https://x.org',
        tokenUrl: 'https://x.org/t',
        clientId: 'c',
        clientSecret: 'cs',
      },
      updatedAt: null,
      updatedBy: null,
    });
    expect(JSON.stringify(e)).not.toMatch(/s3cret|"cs"/);
  });
});
