import { artifactController } from '../controllers/artifact.js';
import { certificateAuthorityController } from '../controllers/certificate-authority.js';
import { deviceController } from '../controllers/device.js';
import { deviceGroupController } from '../controllers/device-group.js';
import { rolloutController } from '../controllers/rollout.js';
import { trustPolicyController } from '../controllers/trust-policy.js';
import { type KindNames, kindNames } from './resources/kind.js';

/**
 * The registry of kinds: one line a kind. A kind is a schema (schemas/{version}/{singular}.json),
 * a reconciler (controllers/) and its line here; start-up checks that the three agree.
 */
export const KINDS: readonly KindNames[] = [
  { ...kindNames('CertificateAuthority', 'certificateauthorities', ['ca', 'cas']), controller: certificateAuthorityController },
  { ...kindNames('Device', 'devices', ['dev']), controller: deviceController },
  { ...kindNames('DeviceGroup', 'devicegroups', ['dg', 'group', 'groups']), controller: deviceGroupController },
  { ...kindNames('Artifact', 'artifacts', ['art']), controller: artifactController },
  { ...kindNames('Rollout', 'rollouts', ['ro']), controller: rolloutController },
  { ...kindNames('TrustPolicy', 'trustpolicies', ['tp']), controller: trustPolicyController },
];
