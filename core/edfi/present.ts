/**
 * A stored document in the shape Ed-Fi clients read: `id` first, the
 * document as the state sent it, then `_etag` and `_lastModifiedDate`; each
 * reference carries a `link` to the item it points at (`rel` names the
 * concrete entity, so an educationOrganizationReference says School or
 * LocalEducationAgency), as the ODS/API adds them.
 */
import type { Db } from '../store/db.js';
import { resourceNamed } from '../../specs/edfi/catalog.js';
import { references } from './keys.js';
import { targetsByKeys, type StoredDoc } from './store.js';
import { etagValue } from './etag.js';

export type LinkTargets = ReadonlyMap<string, { id: string; resource: string }>;

/** The items the references of these documents point at, in one query. */
export async function linkTargets(db: Db, docs: readonly StoredDoc[]): Promise<LinkTargets> {
  const byState = new Map<string, Set<string>>();
  for (const d of docs) {
    if (d.refKeys.length === 0) continue;
    const set = byState.get(d.stateCode) ?? new Set<string>();
    for (const k of d.refKeys) set.add(k);
    byState.set(d.stateCode, set);
  }
  const out = new Map<string, { id: string; resource: string }>();
  for (const [state, keys] of byState)
    for (const [k, v] of await targetsByKeys(db, state, [...keys])) out.set(`${state}|${k}`, v);
  return out;
}

/** A copy of `body` with `extra` merged into the object at `at` (copying only along the path). */
function withAt(body: unknown, at: readonly (string | number)[], extra: Record<string, unknown>): unknown {
  if (at.length === 0) return { ...(body as Record<string, unknown>), ...extra };
  const [head, ...rest] = at as [string | number, ...(string | number)[]];
  if (Array.isArray(body)) {
    const copy = [...body];
    copy[head as number] = withAt(copy[head as number], rest, extra);
    return copy;
  }
  const obj = body as Record<string, unknown>;
  return { ...obj, [head]: withAt(obj[head], rest, extra) };
}

export function present(doc: StoredDoc, links: LinkTargets = new Map()): Record<string, unknown> {
  let body: Record<string, unknown> = doc.body;
  if (doc.refKeys.length) {
    for (const r of references(resourceNamed(doc.resource), doc.body)) {
      const target = links.get(`${doc.stateCode}|${r.key}`);
      if (!target) continue;
      const t = resourceNamed(target.resource);
      body = withAt(body, r.at, {
        link: { rel: t.entity, href: `/${t.project ?? 'ed-fi'}/${target.resource}/${target.id}` },
      }) as Record<string, unknown>;
    }
  }
  return { id: doc.id, ...body, _etag: etagValue(doc.changeVersion), _lastModifiedDate: doc.updatedAt };
}
