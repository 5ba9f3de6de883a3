import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsync } from 'fastify';
import { toProblem } from '../../core/errors.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { toGatewayError } from './problems.js';

/** Where the queue board lives (the portal's menu links to it). */
export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The BullMQ board (@bull-board/fastify) over the gateway's queues, for national administrators only (issue 14 item
 * 7): its pages and API answer only an admin's session or token, like any route (config.access), because it can
 * retry, promote and remove jobs. Jobs carry ids and trace ids, never student data (core/jobs.ts).
 */
export const queueBoardPlugin: FastifyPluginAsync = async (app) => {
  const queue = app.ctx.queue;
  if (!(queue instanceof BullJobQueue)) return;
  const server = new FastifyAdapter();
  server.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queue.bullQueues().map((q) => new BullMQAdapter(q)), serverAdapter: server });
  // The board answers errors through its own handler: a refusal by the security layer keeps its status and problem.
  server.setErrorHandler((error) => {
    const ge = toGatewayError(error, undefined);
    // The board's type lists a few statuses; fastify sends any (401, 429, 503 too).
    return { status: ge.status as 403, body: toProblem(ge) };
  });
  await app.register(async (board) => {
    board.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode >= 400 && String(reply.getHeader('content-type') ?? '').startsWith('application/json'))
        reply.type('application/problem+json');
      return payload;
    });
    board.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: { roles: ['admin'] } };
      route.schema = { ...(route.schema ?? {}), hide: true };
    });
    await board.register(server.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
};
