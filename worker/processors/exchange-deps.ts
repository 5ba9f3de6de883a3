import { createChannels } from '../../core/exchange/delivery/channels/index.js';
import type { DeliverDeps } from '../../core/exchange/delivery/deliver.js';
import { TokenProvider } from '../../core/exchange/delivery/oauth-token.js';
import { edfiSourceConnector } from '../../core/exchange/requests/source-connector.js';
import type { WorkerContext } from '../context.js';
import { parseEndpointHosts } from '../../core/exchange/outbound.js';

const cache = new WeakMap<WorkerContext, DeliverDeps>();

/**
 * The exchange engine's dependencies for one worker context, built once so
 * the deliver job, the sweeper and the move consumer share one token cache.
 */
export function exchangeDeps(ctx: WorkerContext): DeliverDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    const c = ctx.config;
    const backoff = { baseMs: c.DELIVERY_BACKOFF_BASE_MS, maxMs: c.DELIVERY_BACKOFF_MAX_MS };
    const tokens = new TokenProvider(ctx.cacheClock);
    deps = {
      db: ctx.db,
      queue: ctx.queue,
      channels: createChannels({ db: ctx.db, tokens, policy: backoff }),
      sources: edfiSourceConnector(tokens, backoff),
      policy: {
        maxAttempts: c.DELIVERY_MAX_ATTEMPTS,
        backoff,
        timeoutMs: c.DELIVERY_TIMEOUT_MS,
        leaseMs: c.DELIVERY_TIMEOUT_MS * 2 + 30_000,
        circuit: { threshold: c.DELIVERY_CIRCUIT_THRESHOLD, backoff, probeLeaseMs: c.DELIVERY_TIMEOUT_MS + 5000 },
      },
      consolidation: { requiredCredits: c.GRADUATION_CREDITS },
      log: ctx.logger,
      sealSecret: c.SIGNING_KEY_SECRET,
      ...(ctx.cacheClock ? { cacheClock: ctx.cacheClock } : {}),
      outbound: {
        allowPrivate: c.EXCHANGE_ALLOW_PRIVATE_ADDRESSES,
        hosts: parseEndpointHosts(c.EXCHANGE_ENDPOINT_HOSTS),
      },
    };
    cache.set(ctx, deps);
  }
  return deps;
}
