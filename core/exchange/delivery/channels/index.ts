import type { Db } from '../../../store/db.js';
import type { BackoffPolicy } from '../backoff.js';
import type { ChannelResult, SendContext } from '../channel.js';
import type { DeliveryConfig } from '../../endpoints.js';
import type { MessageEnvelope } from '../../messages.js';
import type { TokenProvider } from '../oauth-token.js';
import { edfiPushChannel } from './edfi-push.js';
import { inboxChannel } from './inbox.js';
import { webhookChannel } from './webhook.js';
import { sifPushChannel } from './sif.js';

/**
 * The channels by configuration. Adding one is a file in
 * this folder, a member of DeliveryConfigSchema, and one case here.
 */
export interface Channels {
  send(message: MessageEnvelope, config: DeliveryConfig, ctx: SendContext): Promise<ChannelResult>;
}

export function createChannels(deps: {
  db: Db;
  tokens: TokenProvider;
  policy: BackoffPolicy;
  now?: () => number;
}): Channels {
  const webhook = webhookChannel(deps.policy, deps.now);
  const edfi = edfiPushChannel(deps.tokens, deps.policy);
  const inbox = inboxChannel(deps.db);
  const sif = sifPushChannel(deps.db, deps.policy);
  return {
    send(message, config, ctx) {
      switch (config.channel) {
        case 'webhook':
          return webhook.send(message, config, ctx);
        case 'edfi':
          return edfi.send(message, config, ctx);
        case 'inbox':
          return inbox.send(message, config, ctx);
        case 'sif':
          return sif.send(message, config, ctx);
      }
    },
  };
}
