/**
 * Nickname lookup. The table (data/nicknames.json) is ours: Spanish pet names
 * (Lupe, Chuy, Pepe, Paco…), English diminutives (Bill, Liz, Peggy…) and the
 * anglicisations schools often record for migrant children (Joe, Frank…).
 */
import table from './data/nicknames.json' with { type: 'json' };
import { foldText } from './fold.js';

const canonicalByNickname = new Map<string, string[]>();
for (const [nick, fulls] of Object.entries(table.names)) {
  const key = foldText(nick);
  const canon = new Set(canonicalByNickname.get(key) ?? []);
  for (const full of fulls) {
    // Compound targets (CHEMA = JOSE MARIA, MALENA = MARIA ELENA) are keyed by the whole name joined
    // (JOSEMARIA), so a compound nickname matches that compound only, not every MARIA or JOSE.
    const form = foldText(full).replace(/ /g, '');
    if (form && form !== key) canon.add(form);
  }
  canonicalByNickname.set(key, [...canon]);
}

/** Full name -> the nicknames that stand for it (GUADALUPE -> LUPE, LUPITA, PITA…). */
const nicknamesByCanonical = new Map<string, string[]>();
for (const [nick, fulls] of canonicalByNickname) {
  for (const full of fulls) {
    const list = nicknamesByCanonical.get(full);
    if (list) list.push(nick);
    else nicknamesByCanonical.set(full, [nick]);
  }
}

/**
 * Nicknames known for a full name, so a mistyped nickname ("CMAI") can be traced to its full name (CAMILA via CAMI).
 */
export function nicknamesOf(fullName: string): readonly string[] {
  return nicknamesByCanonical.get(fullName) ?? [];
}

/** The token itself followed by the full names it may stand for. */
export function canonicalForms(token: string): string[] {
  const fulls = canonicalByNickname.get(token);
  return fulls === undefined || fulls.length === 0 ? [token] : [token, ...fulls];
}
