/**
 * StudentRecordExchanges over SIF: creating one asks for a child's records through the exchange's record request
 * flow (the same use case, rules and audit as `POST /api/v1/record-requests`, via takeRecordRequest), and reading one
 * by RefId shows where the request stands and, once answered, the consolidated academic record it opened (the answer
 * read is audited by the core, readRequestAnswer). Thin: core/sif/exchanges.ts maps the object both ways.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import { readRequest, readRequestAnswer } from '../../core/exchange/requests/requests.js';
import type { ParsedItem } from '../../core/sif/parse.js';
import { askOf, exchangeTreeOfRequest, msixIdOfRef, refIdOfRequest, requestIdOfRef } from '../../core/sif/exchanges.js';
import { describeIssues, itemError, type SifItemResult } from '../../core/sif/write.js';
import type { SifElement } from '../../mappings/sif/tree.js';
import { scopeOf } from '../plugins/auth.js';
import { PURPOSES, takeRecordRequest, toRequestInput } from '../routes/exchange-requests.js';

/** A record request created from one StudentRecordExchange; its outcome as a createResponse item or single answer. */
export async function createRecordRequestOverSif(
  app: FastifyInstance,
  request: FastifyRequest,
  item: ParsedItem,
  opts: { mustUseAdvisory: boolean },
): Promise<SifItemResult> {
  if (item.issues.length)
    return itemError(
      400,
      'Schema',
      'The StudentRecordExchange does not follow the SIF NA 4.x schema.',
      describeIssues(item.issues),
    );
  if (opts.mustUseAdvisory && typeof item.tree['@RefId'] === 'string')
    return itemError(
      400,
      'RefId',
      'A record request is named by the gateway: the proposed RefId cannot be used.',
      'Send it without mustUseAdvisory; the answer carries the RefId to read it by.',
    );
  const ask = askOf(item.tree);
  if (!ask.purpose || !(PURPOSES as readonly string[]).includes(ask.purpose))
    return itemError(
      400,
      'Validation',
      'SIF_ExtendedElement Purpose must say why the records are needed.',
      `One of ${PURPOSES.join(', ')}.`,
    );
  const state = request.principal?.state ?? '';
  let msixId = ask.msixId;
  if (!msixId && ask.studentRef) {
    const found = await msixIdOfRef(app.ctx.db, state, ask.studentRef);
    if (found.kind === 'not-found')
      return itemError(
        400,
        'Reference',
        `StudentPersonalRefId names no StudentPersonal of ${state}.`,
        'Name your own StudentPersonal, or send SIF_ExtendedElement MsixId.',
      );
    if (found.kind === 'unmatched')
      return itemError(409, 'NotMatched', 'This child has no MSIX id yet: matching runs shortly after each write.');
    msixId = found.msixId;
  }
  if (!msixId)
    return itemError(400, 'Validation', 'Name the child: StudentPersonalRefId or SIF_ExtendedElement MsixId.');
  let input: ReturnType<typeof toRequestInput>;
  try {
    input = toRequestInput({
      msixId,
      purpose: ask.purpose as (typeof PURPOSES)[number],
      ...(ask.states?.length ? { states: ask.states } : {}),
      ...(ask.deadlineSeconds ? { deadlineSeconds: ask.deadlineSeconds } : {}),
    });
  } catch (e) {
    if (e instanceof GatewayError) return itemError(e.status, 'Validation', e.message);
    throw e;
  }
  const res = await takeRecordRequest(app, request, input);
  if (res.kind === 'refused') {
    const e = new GatewayError(res.code, res.detail);
    return itemError(e.status, 'RecordRequest', res.detail, `Request ${refIdOfRequest(res.request.id)}: ${res.code}.`);
  }
  const tree = await exchangeTreeOfRequest(app.ctx.db, res.request, {
    studentRef: ask.studentRef ?? null,
    answered: res.kind === 'answered',
  });
  return { kind: 'created', refId: refIdOfRequest(res.request.id), advisoryId: null, tree };
}

/**
 * A record request of the caller's state as a StudentRecordExchange; once answered, the answer is read (and
 * audited) so the consolidated record's RefId can be shown. Null: no such request visible to the caller.
 */
export async function readRecordRequestOverSif(
  app: FastifyInstance,
  request: FastifyRequest,
  rawRefId: string,
): Promise<SifElement | null> {
  const id = requestIdOfRef(rawRefId);
  if (!id) return null;
  const scope = scopeOf(request);
  let r: Awaited<ReturnType<typeof readRequest>>;
  try {
    r = await readRequest(app.ctx.db, scope, id);
  } catch (e) {
    if (e instanceof GatewayError && e.status === 404) return null;
    throw e;
  }
  const answered = ['answered', 'partly_answered'].includes(r.status) && r.requestingState === scope.principal.state;
  if (answered) await readRequestAnswer(app.ctx.db, scope, id, { surface: 'sif' });
  // Where the request stands discloses no student data; an answer read is audited by readRequestAnswer.
  request.disclosureAudited = true;
  return exchangeTreeOfRequest(app.ctx.db, r, { answered });
}
