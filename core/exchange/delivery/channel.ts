import type { Dispatcher } from 'undici';
import type { MessageEnvelope } from '../messages.js';

/**
 * The one interface every delivery channel implements (webhook, Ed-Fi push,
 * inbox; a SIF event queue is one more file). A channel never throws for a
 * failure of the other side: it answers with what happened, and the deliver
 * job decides from that alone whether to retry.
 *
 * - `ok`: the receiver has the message (`data`: what a query returned);
 * - `invalid`: the receiver refused this message (a 4xx); retrying the same bytes cannot help;
 * - `unsupported`: this channel or configuration cannot carry this message;
 * - `transient`: timeouts, refused connections, 5xx, 429: try again later.
 */
export type ChannelResult =
  | { kind: 'ok'; status?: number; detail?: string; data?: unknown }
  | { kind: 'invalid'; reason: string; status?: number }
  | { kind: 'unsupported'; reason: string }
  | { kind: 'transient'; reason: string; status?: number; retryAfterMs?: number };

export interface SendContext {
  /** Give up on the other side after this long (a timeout is transient). */
  timeoutMs: number;
  /**
   * The agent the call connects through (core/exchange/outbound.ts: `outboundAgent`, which refuses non-public
   * addresses at connect time); absent: undici's default agent.
   */
  dispatcher?: Dispatcher;
}

export interface DeliveryChannel<C> {
  readonly name: string;
  send(message: MessageEnvelope, config: C, ctx: SendContext): Promise<ChannelResult>;
}
