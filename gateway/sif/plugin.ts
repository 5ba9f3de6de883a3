/**
 * The SIF 3 surface (`/sif/v3`): environments, the object services (requests connector), queues and subscriptions.
 * Registers the SIF Authorization schemes (Basic session token and SIF_HMACSHA256, each signature accepted once
 * across gateway processes through the Redis replay guard) with the security layer, so the same roles × state rules
 * and audit apply as on every other surface.
 */
import type { FastifyPluginAsync } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import { openSifSession } from '../../core/sif/environments.js';
import { MemoryReplayGuard, RedisReplayGuard, type ReplayGuard } from '../../core/security/replay-guard.js';
import { createRedis } from '../../runtime/redis.js';
import { registerAuthScheme, sifScheme } from '../plugins/auth.js';
import { registerSifErrorHandlers } from './http.js';
import { sifEnvironmentRoutes } from './environments.js';
import { sifObjectRoutes } from './objects.js';
import { sifQueueRoutes } from './queues.js';

/** A replay guard that answers 503 when its store cannot answer (never lets a signature through unchecked). */
function guarded(inner: ReplayGuard): ReplayGuard {
  return {
    async firstUse(key, ttl) {
      try {
        return await inner.firstUse(key, ttl);
      } catch {
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'The replay guard cannot be reached; try again shortly.');
      }
    },
  };
}

export const sifPlugin: FastifyPluginAsync = async (app) => {
  const { config, sharedLimits, db } = app.ctx;
  let replay: ReplayGuard = new MemoryReplayGuard();
  if (sharedLimits) {
    const redis = createRedis(sharedLimits.redis, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => {});
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
    replay = new RedisReplayGuard(redis, `${sharedLimits.prefix}sif-replay:`);
  }
  const scheme = sifScheme({
    replay: guarded(replay),
    windowSeconds: config.HMAC_REPLAY_WINDOW_SECONDS,
    allowBasic: true,
    sessionFor: (token) => openSifSession(db, token, config.SIGNING_KEY_SECRET),
  });
  registerAuthScheme(app, 'SIF_HMACSHA256', scheme);
  registerAuthScheme(app, 'Basic', scheme);

  await app.register(
    async (sif) => {
      registerSifErrorHandlers(sif);
      // Bodies are read raw: XML through the safe parser, JSON into Goessner trees checked against the schema.
      sif.removeAllContentTypeParsers();
      sif.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      await sif.register(sifEnvironmentRoutes);
      await sif.register(sifObjectRoutes);
      await sif.register(sifQueueRoutes);
    },
    { prefix: '/sif/v3' },
  );
};
