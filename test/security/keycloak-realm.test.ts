import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEMO_USERS } from '../../gateway/dev-idp/users.js';
import { ROLES } from '../../core/principal.js';
import { mapOidcClaims } from '../../core/security/claim-map.js';

const realm = JSON.parse(readFileSync(new URL('../../deploy/keycloak/realm-export.json', import.meta.url), 'utf8'));

describe('Keycloak realm export (docker compose)', () => {
  it('holds the same users, roles and states as the development provider', () => {
    expect(realm.roles.realm.map((r: { name: string }) => r.name).sort()).toEqual([...ROLES].sort());
    const users = realm.users.map(
      (u: { id: string; username: string; realmRoles: string[]; attributes: { msix_state?: string[] } }) => ({
        sub: u.id,
        username: u.username,
        roles: u.realmRoles,
        state: u.attributes.msix_state?.[0] ?? null,
      }),
    );
    expect(users).toEqual(
      DEMO_USERS.map((u) => ({ sub: u.sub, username: u.username, roles: u.roles, state: u.state })),
    );
  });

  it('requires PKCE and puts roles, state and the gateway audience in the tokens the gateway reads', () => {
    const client = realm.clients.find((c: { clientId: string }) => c.clientId === 'msix-gateway');
    expect(client).toMatchObject({
      publicClient: true,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      attributes: { 'pkce.code.challenge.method': 'S256' },
    });
    const claims = client.protocolMappers.map(
      (m: { config: Record<string, string> }) => m.config['claim.name'] ?? m.config['included.client.audience'],
    );
    expect(claims).toEqual(['msix_roles', 'msix_state', 'msix-gateway']);
    // What such a token maps to with the default claim settings.
    expect(
      mapOidcClaims(
        { sub: 'x', msix_roles: ['default-roles-msix', 'counselor'], msix_state: 'TX' },
        { rolesClaim: 'msix_roles', stateClaim: 'msix_state', roleMap: {} },
      ),
    ).toMatchObject({ roles: ['counselor'], state: 'TX' });
  });
});
