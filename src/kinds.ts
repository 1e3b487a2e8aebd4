import { type ArtifactSignatures, createArtifactController } from '../controllers/artifact.js';
import { attestationAuthorityController } from '../controllers/attestation-authority.js';
import { createCertificateAuthorityController } from '../controllers/certificate-authority.js';
import { createDeviceController } from '../controllers/device.js';
import { deviceGroupController } from '../controllers/device-group.js';
import { createRolloutController } from '../controllers/rollout.js';
import { createTrustPolicyController } from '../controllers/trust-policy.js';
import type { DeviceLifecycle } from './devices/device-lifecycle.js';
import type { CaLifecycle } from './pki/ca-lifecycle.js';
import type { RolloutProgressStore } from './rollouts/rollout-progress.js';
import { defineKind, type KindDefinition } from './resources/kind.js';
import type { JwksCache } from './trust/jwks-cache.js';

/** The services the composition root offers reconcilers; a line takes what its controller needs. */
export interface ControllerServices {
  caLifecycle: CaLifecycle;
  deviceLifecycle: DeviceLifecycle;
  rollouts: RolloutProgressStore;
  artifacts: ArtifactSignatures;
  /** OIDC issuers' keys, one cache a process (shared with the token exchanges). */
  jwks: JwksCache;
  /** Every area's write permission (PermissionCatalogue.kindWrite), for the TrustPolicy lint. */
  allWrites: readonly string[];
}

export type StewardKind = KindDefinition<ControllerServices>;

/**
 * The registry of kinds: one line a kind. A kind is a schema (schemas/{version}/{singular}.json),
 * a reconciler (controllers/) and its line here; start-up checks that the three agree. Only the
 * composition root (src/app/compose.ts) imports this file: it loads every controller.
 */
export const KINDS: readonly StewardKind[] = [
  defineKind({
    kind: 'AttestationAuthority',
    plural: 'attestationauthorities',
    shortNames: ['aa'],
    controller: () => attestationAuthorityController,
  }),
  defineKind({
    kind: 'CertificateAuthority',
    plural: 'certificateauthorities',
    shortNames: ['ca', 'cas'],
    controller: ({ caLifecycle }: ControllerServices) => createCertificateAuthorityController(caLifecycle),
  }),
  defineKind({
    kind: 'Device',
    plural: 'devices',
    shortNames: ['dev'],
    controller: ({ deviceLifecycle }: ControllerServices) => createDeviceController(deviceLifecycle),
  }),
  defineKind({
    kind: 'DeviceGroup',
    plural: 'devicegroups',
    shortNames: ['dg', 'group', 'groups'],
    controller: () => deviceGroupController,
  }),
  defineKind({
    kind: 'Artifact',
    plural: 'artifacts',
    shortNames: ['art'],
    controller: ({ artifacts }: ControllerServices) => createArtifactController(artifacts),
  }),
  defineKind({
    kind: 'Rollout',
    plural: 'rollouts',
    shortNames: ['ro'],
    controller: ({ rollouts }: ControllerServices) => createRolloutController(rollouts),
  }),
  defineKind({
    kind: 'TrustPolicy',
    plural: 'trustpolicies',
    shortNames: ['tp'],
    controller: ({ jwks, allWrites }: ControllerServices) => createTrustPolicyController(jwks, { allWrites }),
  }),
];
