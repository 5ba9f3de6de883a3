import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import { enqueueFollowUps } from '../../core/exchange/delivery/deliver.js';
import type { Delivery } from '../../core/exchange/delivery/deliveries.js';
import type { Principal } from '../../core/principal.js';

/** Enqueues the deliver jobs for deliveries a request just created (the sweeper covers a lost enqueue). */
export async function enqueueDeliveries(
  app: FastifyInstance,
  request: FastifyRequest,
  list: readonly Delivery[],
  extra: { deadlineFor?: boolean } = {},
): Promise<void> {
  const now = Date.now();
  const jobs = list
    .filter((d) => d.status !== 'held')
    .flatMap((d) => [
      { deliveryId: d.id, traceId: d.traceId, reason: 'new', at: now },
      // A live query also gets a job at its deadline, so the request settles on time even if the state never answers.
      ...(extra.deadlineFor && d.deadlineAt
        ? [{ deliveryId: d.id, traceId: d.traceId, reason: 'deadline', at: new Date(d.deadlineAt).getTime() + 50 }]
        : []),
    ]);
  await enqueueFollowUps({ queue: app.ctx.queue, log: request.log }, jobs, now);
}

/** The caller, who must act for a state (record requests and notices are made by states). */
export function stateCaller(request: FastifyRequest): Principal & { state: string } {
  const p = request.principal;
  if (!p) throw new GatewayError('GW_ERR_UNAUTHENTICATED', 'Send a bearer token.');
  if (!p.state)
    throw new GatewayError('GW_ERR_FORBIDDEN', 'This is done by a state: use a client or account bound to a state.');
  return p as Principal & { state: string };
}
