/**
 * A stored document in the shape Ed-Fi clients read: `id` first, the
 * document as the state sent it, then `_etag` and `_lastModifiedDate`.
 */
import type { StoredDoc } from './store.js';
import { etagValue } from './etag.js';

export function present(doc: StoredDoc): Record<string, unknown> {
  return { id: doc.id, ...doc.body, _etag: etagValue(doc.changeVersion), _lastModifiedDate: doc.updatedAt };
}
