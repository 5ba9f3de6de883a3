import type { Db } from '../../../store/db.js';
import type { ChannelResult, DeliveryChannel, SendContext } from '../channel.js';
import type { BackoffPolicy } from '../backoff.js';
import { classifyHttp, httpCall } from '../http.js';
import type { MessageEnvelope } from '../../messages.js';
import { IDEMPOTENCY_HEADER } from '../signature.js';
import { sifAuthorization } from '../../../security/sif-hmac.js';
import { EXCHANGE_SERVICE, exchangeEventXml } from '../../../sif/events.js';

export interface SifPushConfig {
  /** The events connector of the state's own SIF provider, e.g. `https://mis.tx.example/sif/v3/events`. */
  eventsUrl: string;
  /** The session token and secret the state's provider gave the gateway's environment there. */
  sessionToken: string;
  secret: string;
  /** The zone the events are for (the provider's default when absent). */
  zoneId?: string;
}

/**
 * Pushes move notices and record answers to a state's own SIF provider as SIF events, as the Ed-Fi push channel does
 * for an Ed-Fi API: `POST {eventsUrl}/StudentRecordExchanges` with the event headers (messageType EVENT,
 * eventAction CREATE, serviceName, zoneId, messageId = the delivery id, so a retry is recognisable), signed with
 * SIF_HMACSHA256, the body a StudentRecordExchanges collection of one.
 */
export function sifPushChannel(db: Db, policy: BackoffPolicy): DeliveryChannel<SifPushConfig> {
  return {
    name: 'sif',
    async send(message: MessageEnvelope, config: SifPushConfig, ctx: SendContext): Promise<ChannelResult> {
      if (message.kind === 'record-query') return { kind: 'unsupported', reason: 'a record query is not pushed' };
      const timestamp = new Date().toISOString();
      const outcome = await httpCall(
        `${config.eventsUrl.replace(/\/+$/, '')}/${EXCHANGE_SERVICE}`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/xml',
            accept: 'application/xml',
            authorization: sifAuthorization('SIF_HMACSHA256', config.sessionToken, config.secret, timestamp),
            timestamp,
            messageType: 'EVENT',
            eventAction: 'CREATE',
            replacement: 'FULL',
            serviceType: 'OBJECT',
            serviceName: EXCHANGE_SERVICE,
            ...(config.zoneId ? { zoneId: config.zoneId } : {}),
            contextId: 'DEFAULT',
            messageId: message.id,
            [IDEMPOTENCY_HEADER]: message.idempotencyKey,
            'x-correlation-id': message.traceId,
          },
          body: await exchangeEventXml(db, message),
        },
        ctx.timeoutMs,
        ctx.dispatcher,
      );
      return classifyHttp(outcome, policy);
    },
  };
}
