import type { Brand } from '@msix/adapter-sdk/canonical';

/** A state's request for a child's records. */
export type RecordRequestId = Brand<string, 'RecordRequestId'>;
/** One message to one state (notice, record response or live query), retried until delivered or dead. */
export type DeliveryId = Brand<string, 'DeliveryId'>;
/** One move or departure notice; it fans out into one delivery per state told. */
export type NoticeId = Brand<string, 'NoticeId'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is refused before it reaches SQL (a uuid column rejects it with an error). */
export function isExchangeUuid(s: string): boolean {
  return UUID.test(s);
}
