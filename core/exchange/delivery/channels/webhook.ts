import type { ChannelResult, DeliveryChannel, SendContext } from '../channel.js';
import type { BackoffPolicy } from '../backoff.js';
import { classifyHttp, httpCall } from '../http.js';
import type { MessageEnvelope } from '../../messages.js';
import {
  IDEMPOTENCY_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  newNonce,
  signWebhook,
} from '../signature.js';

export interface WebhookConfig {
  url: string;
  secret: string;
}

/**
 * POSTs the envelope to the state's URL, signed with the state's secret over
 * a fresh timestamp and nonce, the idempotency key and the body. Each retry
 * is signed anew, so the receiver's replay check never mistakes a retry for a
 * replay, and its duplicate check (the idempotency key) drops the repeat.
 */
export function webhookChannel(policy: BackoffPolicy, now: () => number = Date.now): DeliveryChannel<WebhookConfig> {
  return {
    name: 'webhook',
    async send(message: MessageEnvelope, config: WebhookConfig, ctx: SendContext): Promise<ChannelResult> {
      const body = JSON.stringify(message);
      const ts = Math.floor(now() / 1000);
      const nonce = newNonce();
      const outcome = await httpCall(
        config.url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [IDEMPOTENCY_HEADER]: message.idempotencyKey,
            [TIMESTAMP_HEADER]: String(ts),
            [NONCE_HEADER]: nonce,
            [SIGNATURE_HEADER]: signWebhook(config.secret, ts, nonce, message.idempotencyKey, body),
            'x-msix-delivery': message.id,
            'x-msix-kind': message.kind,
            ...(message.sequence !== null ? { 'x-msix-sequence': String(message.sequence) } : {}),
            'x-correlation-id': message.traceId,
          },
          body,
        },
        ctx.timeoutMs,
        ctx.dispatcher,
      );
      return classifyHttp(outcome, policy);
    },
  };
}
