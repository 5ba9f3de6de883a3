import type { DeliveryId } from './ids.js';

/** What the gateway sends to states. `record-query` is the one the gateway sends to ask (a live source). */
export const MESSAGE_KINDS = ['move-notice', 'departure-notice', 'record-response', 'record-query'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * The envelope every message travels in, on every channel. It is built once
 * when the delivery is created and stored, so every retry sends the same
 * bytes; the idempotency key inside it (and in the `Idempotency-Key` header)
 * lets the receiver drop a message it already has.
 */
export interface MessageEnvelope {
  /** The delivery id; also what the inbox acknowledges. */
  id: DeliveryId;
  idempotencyKey: string;
  kind: MessageKind;
  /** The state the message is for. */
  to: string;
  msixId: string | null;
  /** Position among the messages this state gets about this student (1, 2, …); null when unordered. */
  sequence: number | null;
  createdAt: string;
  traceId: string;
  data: Record<string, unknown>;
}

/** The idempotency key of a delivery: stable across retries, unique across deliveries. */
export function idempotencyKeyFor(deliveryId: string): string {
  return `msix-dlv-${deliveryId}`;
}

/** The Ed-Fi extension resource (namespace `migrant`) a pushed message is POSTed to. */
export const EDFI_RESOURCE: Record<Exclude<MessageKind, 'record-query'>, string> = {
  'move-notice': 'moveNotices',
  'departure-notice': 'departureNotices',
  'record-response': 'recordResponses',
};
