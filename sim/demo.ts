import type { Db } from '../core/store/db.js';
import type { JobQueue } from '../core/jobs.js';
import { enqueueFollowUps } from '../core/exchange/delivery/deliver.js';
import { putEndpoint } from '../core/exchange/endpoints.js';
import { createRecordRequest } from '../core/exchange/requests/request-flow.js';
import { getRequest } from '../core/exchange/requests/requests.js';
import { noticeGround, searchChoiceGround } from '../core/exchange/grounds.js';
import { disclosurePolicy, recordInState } from '../core/security/disclosure.js';
import { DEMO_RECORDS, DEMO_STATES } from '../demo/students.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { startStateSimulator, type StateSimulator } from './state-simulator.js';

export interface DemoExchange {
  simulator: StateSimulator;
  /** Lines for the start banner. */
  lines: string[];
  /** Starts the record-request story (after the banner, so its result prints below it). */
  run(): void;
  close(): Promise<void>;
}

/** Texas keeps Ana's full record at home, including a course it never sent to the gateway. */
function texasAtHome(): StateRecord[] {
  return DEMO_RECORDS.filter((r) => r.stateCode === 'TX').map((r) => ({
    ...structuredClone(r),
    courses: [
      ...(r.courses ?? []),
      {
        courseTitle: 'Dual Credit Biology',
        subjectArea: 'Science',
        courseType: '01',
        courseSection: '01',
        termType: '0828',
        beginAcademicYear: 2025,
        endAcademicYear: 2026,
        creditsGranted: 1,
        finalGrade: 'A',
      },
    ],
  }));
}

/**
 * The exchange part of `npm start --demo`: the state simulator on loopback
 * playing the five demo states, each wired to a different channel (Texas: Ed-Fi
 * push and a live source; Michigan and Florida: signed webhooks; California:
 * Ed-Fi push; Washington: the inbox), and, once Ana's records are matched, a
 * record request from Florida that Texas answers live. A new user sees the
 * move notice Florida and Michigan received and the request complete.
 */
export async function startDemoExchange(deps: {
  db: Db;
  queue: JobQueue;
  say: (line: string) => void;
  requiredCredits: number;
}): Promise<DemoExchange> {
  const sim = await startStateSimulator({
    states: DEMO_STATES.map((code) => ({ code, records: code === 'TX' ? texasAtHome() : [] })),
  });
  const channel = { TX: 'edfi', MI: 'webhook', FL: 'webhook', CA: 'edfi', WA: 'inbox' } as const;
  for (const code of DEMO_STATES)
    await putEndpoint(
      deps.db,
      code,
      sim.endpointFor(code, { channel: channel[code], liveSource: code === 'TX' }),
      'demo',
    );

  const stop = new AbortController();
  const wait = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      stop.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          r();
        },
        { once: true },
      );
    });
  let story: Promise<void> = Promise.resolve();
  const tell = async (): Promise<void> => {
    // Wait for matching to put Ana's three records under one student.
    let msixId: string | null = null;
    for (let i = 0; i < 300 && !stop.signal.aborted && !msixId; i++) {
      const r = await deps.db.query<{ msix_id: string; n: number }>(
        `SELECT l.msix_id, (SELECT count(*)::int FROM links l2 WHERE l2.msix_id = l.msix_id) AS n
         FROM state_records s JOIN links l ON l.record_id = s.id WHERE s.state_code = 'FL'
         AND s.state_student_id = 'FL5530098127'`,
      );
      if (r.rows[0] && r.rows[0].n >= 3) msixId = r.rows[0].msix_id;
      else await wait(200);
    }
    if (!msixId || stop.signal.aborted) return;
    const who = {
      kind: 'person' as const,
      subject: 'demo-fl-counselor',
      clientId: null,
      state: 'FL',
      roles: ['counselor' as const],
    };
    const t0 = Date.now();
    const res = await createRecordRequest(
      {
        db: deps.db,
        consolidation: { requiredCredits: deps.requiredCredits },
        deadline: { defaultSeconds: 30, maxSeconds: 60 },
        entitle: (m) => disclosurePolicy([recordInState, noticeGround, searchChoiceGround]).decide(deps.db, who, m),
      },
      { state: 'FL', subject: who.subject, clientId: null, roles: who.roles },
      { msixId, purpose: 'credit-accrual' },
      'demo-record-request',
    );
    if (res.kind === 'refused') {
      deps.say(`  demo     : Florida's record request was refused: ${res.detail}`);
      return;
    }
    const now = Date.now();
    if (res.kind === 'waiting')
      await enqueueFollowUps(
        { queue: deps.queue, log: { info() {}, warn() {} } },
        res.queries.map((q) => ({ deliveryId: q.id, traceId: q.traceId, reason: 'new', at: now })),
        now,
      );
    for (let i = 0; i < 300 && !stop.signal.aborted; i++) {
      const r = await getRequest(deps.db, res.request.id);
      if (r && !['received', 'routed', 'waiting'].includes(r.status)) {
        const live = r.sources
          .filter((s) => s.mode === 'live')
          .map((s) => `${s.stateCode} ${s.status} live`)
          .join(', ');
        deps.say(
          `  demo     : Florida asked for Ana's records: request ${r.id} ${r.status} in ` +
            `${Date.now() - t0} ms (${live || 'from the store'}).`,
        );
        deps.say(`             Florida received it and the move notice at ${sim.url}/_sim/FL/received`);
        return;
      }
      await wait(100);
    }
  };

  return {
    simulator: sim,
    lines: [
      `  states   : simulated state systems at ${sim.url} (TX Ed-Fi push + live source, MI/FL webhooks, ` +
        `CA Ed-Fi push, WA inbox)`,
      `             what each received: ${sim.url}/_sim/{state}/received   deliveries: GET ` +
        `/api/v1/deliveries (help desk)`,
    ],
    run: () => {
      story = tell().catch((e: unknown) =>
        deps.say(`  demo     : the record request demo failed: ${(e as Error).message}`),
      );
    },
    close: async () => {
      stop.abort();
      await story;
      await sim.close();
    },
  };
}
