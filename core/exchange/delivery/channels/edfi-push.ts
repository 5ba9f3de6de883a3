import type { ChannelResult, DeliveryChannel, SendContext } from '../channel.js';
import type { BackoffPolicy } from '../backoff.js';
import { classifyHttp, httpCall } from '../http.js';
import { EDFI_RESOURCE, type MessageEnvelope } from '../../messages.js';
import type { OAuthClientConfig, TokenProvider } from '../oauth-token.js';
import { IDEMPOTENCY_HEADER } from '../signature.js';

export interface EdfiPushConfig extends OAuthClientConfig {
  apiBase: string;
}

/** `{apiBase}/data/v3/migrant/{resource}`: where a message of this kind is POSTed on a state's Ed-Fi API. */
export function edfiResourceUrl(apiBase: string, resource: string): string {
  return `${apiBase.replace(/\/+$/, '')}/data/v3/migrant/${resource}`;
}

/**
 * POSTs the envelope to the state's Ed-Fi API as a `migrant` extension
 * resource, with a bearer token from the state's own token endpoint
 * (client credentials via openid-client). A 401 means the token went stale:
 * it is dropped and the attempt counts as transient, so the retry gets a new one.
 */
export function edfiPushChannel(tokens: TokenProvider, policy: BackoffPolicy): DeliveryChannel<EdfiPushConfig> {
  return {
    name: 'edfi',
    async send(message: MessageEnvelope, config: EdfiPushConfig, ctx: SendContext): Promise<ChannelResult> {
      if (message.kind === 'record-query') return { kind: 'unsupported', reason: 'a record query is not pushed' };
      const t = await tokens.token(config, ctx.timeoutMs, ctx.dispatcher);
      if (t.kind !== 'ok') return t;
      const outcome = await httpCall(
        edfiResourceUrl(config.apiBase, EDFI_RESOURCE[message.kind]),
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${t.token}`,
            [IDEMPOTENCY_HEADER]: message.idempotencyKey,
            'x-correlation-id': message.traceId,
          },
          body: JSON.stringify(message),
        },
        ctx.timeoutMs,
        ctx.dispatcher,
      );
      if (outcome.kind === 'response' && outcome.status === 401) {
        tokens.invalidate(config);
        return {
          kind: 'transient',
          status: 401,
          reason: 'the Ed-Fi API refused the token; a new one will be requested',
        };
      }
      return classifyHttp(outcome, policy);
    },
  };
}
