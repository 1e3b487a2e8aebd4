/** principalOf for minted tokens and for credentials whose user row is gone, as a table. Pure. */
import { describe, expect, it } from 'vitest';
import { type CredentialRecord, principalOf } from '../../src/auth/authenticator.js';
import { PermissionCatalogue } from '../../src/auth/permissions.js';

const catalogue = new PermissionCatalogue({
  all: [{ plural: 'devices' }, { plural: 'trustpolicies' }],
});

function record(overrides: Partial<CredentialRecord>): CredentialRecord {
  return {
    id: '0123456789abcdef',
    tenant: 'acme',
    type: 'oidc',
    slot: null,
    name: 'infra',
    secret_hash: 'x',
    user_id: '',
    permissions: JSON.stringify([
      'devices:read',
      'devices:write',
      'trustpolicies:write',
      'keys:write',
      'nope:read',
    ]),
    csrf_token: null,
    expires_at: null,
    revoked_at: null,
    subject: 'repo:acme/infra:ref:refs/heads/main',
    username: null,
    role: null,
    ...overrides,
  };
}

describe('principalOf', () => {
  it('gives an exchanged token its policy permissions, never session-only ones, unknown ones or trustpolicies:write', () => {
    const principal = principalOf(catalogue, record({}));
    expect([...principal.permissions].sort()).toEqual(['devices:read', 'devices:write']);
    expect(principal.actor).toEqual({
      type: 'oidc',
      id: '0123456789abcdef',
      name: 'infra:repo:acme/infra:ref:refs/heads/main',
    });
    expect(principal.credential).toMatchObject({ type: 'token', tokenType: 'oidc' });
  });

  it('acts for a client certificate as a certificate actor', () => {
    expect(principalOf(catalogue, record({ type: 'x509', subject: 'CN=bot' })).actor.type).toBe(
      'certificate',
    );
  });

  it("gives a personal token the chosen permissions the user's role grants, acting as the user", () => {
    const principal = principalOf(
      catalogue,
      record({
        type: 'personal',
        username: 'vic',
        role: 'viewer',
        user_id: 'u1',
        permissions: JSON.stringify(['devices:read', 'devices:write']),
      }),
    );
    expect([...principal.permissions]).toEqual(['devices:read']);
    expect(principal.actor).toEqual({ type: 'user', id: 'u1', name: 'vic' });
  });

  it.each(['session', 'fine-grained', 'personal'])(
    'gives a %s whose user row is gone no permission',
    (type) => {
      expect(principalOf(catalogue, record({ type, username: null, role: null })).permissions.size).toBe(0);
    },
  );
});
