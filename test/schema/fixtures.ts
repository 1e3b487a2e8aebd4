import { KINDS } from '../../src/kinds.js';
import { ManifestValidator } from '../../src/schema/validator.js';

/** One validator for a whole test file: construction compiles every schema. */
export const validator = new ManifestValidator(KINDS);

/** A minimal valid spec per kind; tests change one thing at a time. */
export const VALID_SPECS: Record<string, Record<string, unknown>> = {
  CertificateAuthority: { type: 'root', subject: { commonName: 'Test Root' } },
  Device: { platform: 'linux', permanentIdentifier: 'host-1' },
  DeviceGroup: { selector: { matchLabels: { env: 'prod' } } },
  Artifact: {
    version: '1.0.0',
    digest: `sha256:${'ab'.repeat(32)}`,
    size: 1024,
    platforms: ['linux'],
  },
  Rollout: {
    artifactRef: { name: 'agent' },
    target: { groupRef: { name: 'prod' } },
    strategy: { waves: [{ percent: 100 }] },
  },
  TrustPolicy: { claims: { repository: 'example-org/fleet' }, permissions: ['devices:read'] },
};

/** A valid manifest of `kind`, with `spec` fields merged over the minimal valid spec. */
export function manifest(
  kind: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = { name: 'test-1' },
): Record<string, unknown> {
  return { apiVersion: 'steward.dev/v1', kind, metadata, spec: { ...VALID_SPECS[kind], ...spec } };
}

/** The problems of a document as `pointer: message` lines, the shape assertions read best in. */
export function problemsOf(document: unknown): string[] {
  return validator.validate(document).problems.map((problem) => `${problem.pointer}: ${problem.message}`);
}
