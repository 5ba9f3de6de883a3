import type { Db } from '../../../store/db.js';
import type { ChannelResult, DeliveryChannel } from '../channel.js';
import type { MessageEnvelope } from '../../messages.js';
import { copyToSifQueues } from '../../../sif/queues.js';

/**
 * The inbox a state polls (`GET /api/v1/states/{state}/inbox`). "Sending"
 * places the message in the state's inbox, in order; the state acknowledges
 * each item once it has it. Placing is idempotent by delivery id. Every SIF queue subscribed to the state's
 * StudentRecordExchanges gets its own copy in the same transaction (core/sif/queues.ts).
 */
export function inboxChannel(db: Db): DeliveryChannel<{ channel: 'inbox' }> {
  return {
    name: 'inbox',
    async send(message: MessageEnvelope): Promise<ChannelResult> {
      if (message.kind === 'record-query')
        return { kind: 'unsupported', reason: 'a record query cannot wait in an inbox' };
      await db.transaction(async (tx) => {
        const placed = await tx.query(
          'INSERT INTO inbox_items (state_code, delivery_id) VALUES ($1, $2) ON CONFLICT (delivery_id) DO NOTHING',
          [message.to, message.id],
        );
        if (placed.rowCount) await copyToSifQueues(tx, message.to, message.id);
      });
      return { kind: 'ok', detail: 'placed in the inbox' };
    },
  };
}
