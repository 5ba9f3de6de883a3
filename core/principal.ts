/** The roles of the exchange (MSIX practice), each with its own reach. */
export const ROLES = ['state-system', 'counselor', 'data-admin', 'help-desk', 'federal', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who is calling, once authenticated: a state's machine client or a person.
 * `state` scopes everything they may write and most of what they may read.
 */
export interface Principal {
  kind: 'client' | 'person';
  subject: string;
  clientId: string | null;
  state: string | null;
  roles: Role[];
}
