import type { StewardServer } from '../../src/server.js';
import { call, loginToken } from '../support/server.js';

/** An Artifact manifest with a digest derived from its name, for tests that need several. */
export function artifact(
  name: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
) {
  const hex = Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64);
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Artifact',
    metadata: { name, ...metadata },
    spec: {
      version: '1.0.0',
      digest: `sha256:${hex}`,
      size: 4096,
      platforms: ['linux'],
      url: `https://updates.example.com/${name}.tar.gz`,
      ...spec,
    },
  };
}

/** The API's answers, as the shared contract types them. */
export type {
  ArtifactSignatureView as SignatureBody,
  SigningKeyView as SigningKeyBody,
} from '../../src/contract/artifact-signature.js';

export const PASSWORD = 'artifact-password-1';

/** Creates users of each role (and a second tenant with its admin); answers their session tokens. */
export async function roleSessions(server: StewardServer): Promise<{
  viewer: string;
  operator: string;
  admin: string;
  otherTenant: string;
}> {
  for (const role of ['viewer', 'operator', 'admin'])
    await call(server, 'POST', '/api/v1/users', {
      body: { username: `art-${role}`, password: PASSWORD, role },
    });
  await call(server, 'POST', '/api/v1/tenants', {
    body: { name: 'tenant-b', admin: { username: 'b-admin', password: PASSWORD } },
  });
  return {
    viewer: await loginToken(server, 'art-viewer', PASSWORD),
    operator: await loginToken(server, 'art-operator', PASSWORD),
    admin: await loginToken(server, 'art-admin', PASSWORD),
    otherTenant: await loginToken(server, 'b-admin', PASSWORD, 'tenant-b'),
  };
}
