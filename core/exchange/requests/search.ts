import { appendAudit } from '../../audit.js';
import { pageSize } from '../../paging.js';
import { GatewayError } from '../../errors.js';
import { recordInState, SAME_CHILD } from '../../security/disclosure.js';
import type { Scope } from '../../security/scope.js';
import type { Db } from '../../store/db.js';
import { linkedRecords } from '../../students.js';
import type { Demographics, Resolution } from './resolve.js';

/**
 * National search (issue 13 finding 1). A person at a school looks for a child
 * by demographics. FERPA's minimum necessary, as MSIX practises it:
 *
 * - the searcher states a purpose and attests the child is enrolling or
 *   enrolled with them (recorded with every step);
 * - the answer is candidates with only the fields needed to choose (names,
 *   sex, birth date, the states holding records) and no MSIX id; "nobody" and
 *   "more than one near match" answer alike (an empty list), so a near-miss
 *   birth date teaches nothing;
 * - choosing a candidate opens that child's record to that person (not the
 *   state) until the grant expires (`searchChoiceGround`);
 * - every person and every client has a daily search budget; reaching it is
 *   an alert (log line and audit event), going over it a refusal.
 */
export const SEARCH_PURPOSES = ['enrollment', 'placement', 'credit-accrual', 'records-request'] as const;
export type SearchPurpose = (typeof SEARCH_PURPOSES)[number];
export const ATTESTATIONS = ['enrolling', 'enrolled'] as const;
export type Attestation = (typeof ATTESTATIONS)[number];

export interface SearchInput {
  demographics: Demographics;
  purpose: SearchPurpose;
  attestation: Attestation;
}

/** What a searcher sees of a candidate before choosing: enough to recognise the child, nothing more. */
export interface SearchCandidate {
  candidate: number;
  firstName: string;
  middleName: string | null;
  lastName1: string;
  lastName2: string | null;
  sex: string | null;
  birthDate: string;
  states: string[];
}

export interface SearchAnswer {
  id: string;
  purpose: SearchPurpose;
  attestation: Attestation;
  candidates: SearchCandidate[];
  expiresAt: string;
}

export interface SearchDeps {
  db: Db;
  resolve(d: Demographics): Promise<Resolution>;
  /** Searches per person and per client in a rolling day. */
  budget: { perPerson: number; perClient: number };
  /** How long a chosen candidate stays open to the person who chose it. */
  grantSeconds: number;
  /** How long the candidates may be chosen from. */
  choiceSeconds: number;
  /** Raised when a person or client uses up its budget (the gateway logs it for the operator's alerting). */
  alert(a: { kind: 'search-budget'; who: 'person' | 'client'; key: string; max: number }): void;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

async function usedSince(db: Db, column: 'subject' | 'client_id', key: string, since: Date): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM national_searches WHERE ${column} = $1 AND created_at > $2`,
    [key, since.toISOString()],
  );
  return r.rows[0]!.n;
}

/** Refuses a search over budget (audited), and alerts when this search uses the last unit of a budget. */
async function spendBudget(deps: SearchDeps, scope: Scope, now: Date): Promise<void> {
  const since = new Date(now.getTime() - DAY_MS);
  const p = scope.principal;
  const checks: { who: 'person' | 'client'; column: 'subject' | 'client_id'; key: string | null; max: number }[] = [
    { who: 'person', column: 'subject', key: p.subject, max: deps.budget.perPerson },
    { who: 'client', column: 'client_id', key: p.clientId, max: deps.budget.perClient },
  ];
  for (const c of checks) {
    if (!c.key) continue;
    const used = await usedSince(deps.db, c.column, c.key, since);
    if (used >= c.max) {
      await scope.audit.refused({
        action: 'search.refused',
        reason: `${c.who} search budget of ${c.max} a day used up`,
        details: { budget: c.who, max: c.max },
      });
      throw new GatewayError(
        'GW_ERR_SEARCH_BUDGET',
        `${c.who === 'person' ? 'Your' : "Your client's"} national search budget (${c.max} a day) is ` +
          'used up. Ask by MSIX id, or ask your state data administrator.',
      );
    }
    if (used + 1 === c.max) {
      deps.alert({ kind: 'search-budget', who: c.who, key: c.key, max: c.max });
      await appendAudit(deps.db, {
        actor: { id: p.subject, state: p.state, roles: p.roles },
        action: 'search.budget-alert',
        outcome: 'success',
        reason: `${c.who} ${c.key} used its national search budget of ${c.max} a day`,
        traceId: scope.traceId,
        details: { budget: c.who, max: c.max },
      });
    }
  }
}

/** The candidate's identity as its most recent active record has it, and the states holding its records. */
async function candidateOf(db: Db, msixId: string, n: number): Promise<SearchCandidate | null> {
  const active = (await linkedRecords(db, msixId)).filter((r) => r.status === 'active');
  const latest = active.at(-1);
  if (!latest) return null;
  const i = latest.record.identity;
  return {
    candidate: n,
    firstName: i.firstName,
    middleName: i.middleName ?? null,
    lastName1: i.lastName1,
    lastName2: i.lastName2 ?? null,
    sex: i.sex ?? null,
    birthDate: i.birthDate,
    states: [...new Set(active.map((r) => r.stateCode))].sort(),
  };
}

const CANDIDATE_FIELDS = ['firstName', 'middleName', 'lastName1', 'lastName2', 'sex', 'birthDate', 'states'];

/** Runs one national search for a state-bound caller (see the module comment). */
export async function searchStudents(deps: SearchDeps, scope: Scope, input: SearchInput): Promise<SearchAnswer> {
  const p = scope.principal;
  if (!p.state) throw new GatewayError('GW_ERR_FORBIDDEN', 'A national search is made for a state.');
  const now = deps.now?.() ?? new Date();
  await spendBudget(deps, scope, now);
  const r = await deps.resolve(input.demographics);
  // Only a confident match is offered; "none" and "ambiguous" both answer with no candidate.
  const ids = r.kind === 'found' ? [r.msixId as string] : [];
  const candidates: SearchCandidate[] = [];
  for (const id of ids) {
    const c = await candidateOf(deps.db, id, candidates.length + 1);
    if (c) candidates.push(c);
  }
  const offered = ids.slice(0, candidates.length);
  const expiresAt = new Date(now.getTime() + deps.choiceSeconds * 1000).toISOString();
  const row = await deps.db.query<{ id: string }>(
    `INSERT INTO national_searches (subject, client_id, state_code, purpose, attestation, candidates, created_at,
       expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [p.subject, p.clientId, p.state, input.purpose, input.attestation, offered, now.toISOString(), expiresAt],
  );
  const id = row.rows[0]!.id;
  const why = `national search ${id} (${input.purpose}; attests the child is ${input.attestation} in ${p.state})`;
  const details = { searchId: id, purpose: input.purpose, attestation: input.attestation };
  if (!offered.length) await scope.audit.disclosed({ action: 'search.performed', fields: [], reason: why, details });
  for (const msixId of offered)
    await scope.audit.disclosed({
      action: 'search.candidate-shown',
      msixId,
      fields: CANDIDATE_FIELDS,
      reason: why,
      details,
    });
  return { id, purpose: input.purpose, attestation: input.attestation, candidates, expiresAt };
}

export interface SearchChoice {
  searchId: string;
  msixId: string;
  grantedUntil: string;
}

interface SearchRow {
  id: string;
  subject: string;
  state_code: string;
  purpose: string;
  attestation: string;
  candidates: string[];
  expires_at: Date | string;
  chosen_msix_id: string | null;
}

/**
 * The searcher chooses one candidate: the child's record opens to that person
 * (`searchChoiceGround`) until the grant expires. Another person's search, an
 * unknown one and an expired one are all "not found".
 */
export async function chooseCandidate(
  deps: Pick<SearchDeps, 'db' | 'grantSeconds' | 'now'>,
  scope: Scope,
  searchId: string,
  candidate: number,
): Promise<SearchChoice> {
  const p = scope.principal;
  const now = deps.now?.() ?? new Date();
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(searchId);
  const r = uuid
    ? await deps.db.query<SearchRow>(
        `SELECT id, subject, state_code, purpose, attestation, candidates, expires_at, chosen_msix_id
         FROM national_searches WHERE id = $1`,
        [searchId],
      )
    : { rows: [] as SearchRow[] };
  const s = r.rows[0];
  if (!s || s.subject !== p.subject || s.state_code !== p.state || new Date(s.expires_at) <= now)
    throw new GatewayError('GW_ERR_NOT_FOUND', 'No open national search of yours with this id.');
  const msixId = s.candidates[candidate - 1];
  if (!msixId)
    throw new GatewayError('GW_ERR_VALIDATION', 'The search offered no such candidate.', {
      issues: [
        {
          path: '/candidate',
          value: candidate,
          rule: 'candidate',
          message: `is not one of the ${s.candidates.length} candidate(s)`,
          fix: 'Choose a candidate number from the search answer, or search again with more details.',
        },
      ],
    });
  if (s.chosen_msix_id)
    throw new GatewayError('GW_ERR_CONFLICT', 'A candidate of this search was already chosen; search again.');
  const grantedUntil = new Date(now.getTime() + deps.grantSeconds * 1000).toISOString();
  await deps.db.transaction(async (tx) => {
    await tx.query('UPDATE national_searches SET chosen_msix_id = $2, chosen_at = $3 WHERE id = $1', [
      s.id,
      msixId,
      now.toISOString(),
    ]);
    await tx.query(
      `INSERT INTO search_grants (search_id, subject, state_code, msix_id, purpose, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.id, p.subject, s.state_code, msixId, s.purpose, now.toISOString(), grantedUntil],
    );
  });
  await scope.audit.disclosed({
    action: 'search.chosen',
    msixId,
    fields: ['msixId'],
    reason:
      `national search ${s.id} (${s.purpose}; attests the child is ${s.attestation} in ${s.state_code}): ` +
      `opened to ${p.subject} until ${grantedUntil}`,
    details: { searchId: s.id, purpose: s.purpose, attestation: s.attestation, grantedUntil },
  });
  return { searchId: s.id, msixId, grantedUntil };
}

/** One entry of a child's disclosure log: who looked, when, how and why. */
export interface DisclosureLogEntry {
  at: string;
  action: string;
  outcome: string;
  actor: string;
  actorState: string | null;
  actorRoles: string[];
  reason: string | null;
  purpose: string | null;
}

/**
 * A child's disclosure log, for the administrators of the child's home
 * states (a state holding an active record of the child) and national
 * administrators: every audited disclosure and refusal naming the child.
 * Reading it is audited too (and not listed in it).
 */
export async function readDisclosureLog(
  db: Db,
  scope: Scope,
  msixId: string,
  limit = 200,
): Promise<DisclosureLogEntry[]> {
  const p = scope.principal;
  const national = p.roles.includes('admin');
  const home = !national && p.state && p.roles.includes('data-admin');
  const held = home ? await recordInState.check(db, { state: p.state!, subject: p.subject }, msixId) : null;
  if (!national && !held) {
    await scope.audit.refused({
      action: 'disclosure-log.refused',
      msixId,
      reason: 'only the administrators of a state holding the child may read its disclosure log',
    });
    throw new GatewayError('GW_ERR_FORBIDDEN', "Only the administrators of the child's home states read this log.");
  }
  const r = await db.query<{
    at: Date | string;
    action: string;
    outcome: string;
    actor: string;
    actor_state: string | null;
    actor_roles: string[];
    reason: string | null;
    purpose: string | null;
  }>(
    `SELECT at, action, outcome, actor, actor_state, actor_roles, reason, details->>'purpose' AS purpose
     FROM audit_events WHERE msix_id IN ${SAME_CHILD} AND action <> 'disclosure-log.read'
     ORDER BY seq DESC LIMIT $2`,
    [msixId, pageSize(limit)],
  );
  await scope.audit.disclosed({
    action: 'disclosure-log.read',
    msixId,
    fields: ['disclosures'],
    reason: national ? 'national administrator' : held!.reason,
  });
  return r.rows.map((x) => ({
    at: new Date(x.at).toISOString(),
    action: x.action,
    outcome: x.outcome,
    actor: x.actor,
    actorState: x.actor_state,
    actorRoles: x.actor_roles,
    reason: x.reason,
    purpose: x.purpose,
  }));
}
