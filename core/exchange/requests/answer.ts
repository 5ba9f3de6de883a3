import type { StateRecord, Student, MsixId } from '@msix/adapter-sdk/canonical';
import { consolidate, type ConsolidationInput, type ConsolidationOptions } from '../../consolidate.js';

export type SourceMode = 'store' | 'live';
export type SourceStatus = 'pending' | 'answered' | 'not_found' | 'failed' | 'expired';

/** Where one state's part of an answer came from, and how fresh it is. */
export interface AnswerSource {
  stateCode: string;
  mode: SourceMode;
  status: SourceStatus;
  /** True when a live state did not answer and its part is the copy the store holds (possibly old). */
  stale: boolean;
  detail: string | null;
}

/** What a record request answers: the consolidated record and where each part came from. */
export interface RecordAnswer {
  student: Student;
  sources: AnswerSource[];
  /** Every source answered. */
  complete: boolean;
}

export interface LiveAnswer {
  stateCode: string;
  status: SourceStatus;
  records: StateRecord[];
  detail: string | null;
}

/**
 * Merges fresh records from live sources into the child's stored records and
 * consolidates. A live state that answered replaces its stored records (it is
 * the system of record); one that did not keeps the stored copy, flagged
 * stale. Only states in `states` are included. A state holding no record of the child (asked by demographics, by
 * policy) that answers with more than one child has its answer left out: name and birth date did not single the
 * child out, and another child's record must not be merged in. Pure.
 */
export function buildAnswer(input: {
  msixId: MsixId;
  stored: ConsolidationInput[];
  live: LiveAnswer[];
  states: readonly string[];
  opts: ConsolidationOptions;
  now: string;
  createdAt: string;
}): RecordAnswer {
  const wanted = new Set(input.states);
  const ambiguous = new Set(
    input.live
      .filter(
        (l) =>
          !input.stored.some((s) => s.stateCode === l.stateCode) &&
          new Set(l.records.map((r) => r.stateStudentId)).size > 1,
      )
      .map((l) => l.stateCode),
  );
  const liveByState = new Map(
    input.live.map((l) =>
      ambiguous.has(l.stateCode)
        ? [
            l.stateCode,
            {
              ...l,
              records: [],
              detail: `asked by name and birth date, ${l.stateCode} answered with several children: none used`,
            },
          ]
        : [l.stateCode, l],
    ),
  );
  const records: ConsolidationInput[] = [];
  for (const r of input.stored) {
    if (!wanted.has(r.stateCode)) continue;
    const l = liveByState.get(r.stateCode);
    if (l && l.status === 'answered') continue;
    records.push(r);
  }
  for (const l of liveByState.values()) {
    if (l.status !== 'answered' || !wanted.has(l.stateCode)) continue;
    for (const rec of l.records) {
      const prior = input.stored.find((s) => s.stateCode === rec.stateCode && s.stateStudentId === rec.stateStudentId);
      records.push({
        recordId: prior?.recordId ?? `live-${rec.stateCode}-${rec.stateStudentId}`,
        stateCode: rec.stateCode,
        stateStudentId: rec.stateStudentId,
        status: 'active',
        record: rec,
        receivedAt: input.now,
        updatedAt: input.now,
        link: prior?.link ?? { linkType: 'auto', score: null, rulesVersion: 'live-source', linkedAt: input.now },
      });
    }
  }
  const student = consolidate(input.msixId, 'active', records, input.opts, {
    createdAt: input.createdAt,
    updatedAt: input.now,
  });
  const sources: AnswerSource[] = [...wanted].sort().map((stateCode) => {
    const l = liveByState.get(stateCode);
    if (!l) return { stateCode, mode: 'store', status: 'answered', stale: false, detail: null };
    const hasCopy = input.stored.some((s) => s.stateCode === stateCode && s.status === 'active');
    return { stateCode, mode: 'live', status: l.status, stale: l.status !== 'answered' && hasCopy, detail: l.detail };
  });
  return { student, sources, complete: sources.every((s) => s.status === 'answered') };
}

export type RequestOutcome = 'waiting' | 'answered' | 'partly_answered' | 'expired' | 'failed';

/**
 * The state of a request from its sources. Store sources are answered from
 * the start. Until the deadline a pending live source keeps the request
 * waiting; after it, a pending source counts as expired. All answered:
 * answered. Some: partly answered. None: expired if any source ran out of
 * time, else failed.
 */
export function requestOutcome(
  sources: readonly Pick<AnswerSource, 'status'>[],
  deadlinePassed: boolean,
): RequestOutcome {
  const statuses = sources.map((s) => (s.status === 'pending' && deadlinePassed ? 'expired' : s.status));
  if (statuses.includes('pending')) return 'waiting';
  const answered = statuses.filter((s) => s === 'answered').length;
  if (answered === statuses.length) return 'answered';
  if (answered > 0) return 'partly_answered';
  return statuses.includes('expired') ? 'expired' : 'failed';
}
