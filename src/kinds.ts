import { type KindNames, kindNames } from './resources/kind.js';

/**
 * The registry of kinds: one line a kind. A kind is a schema (schemas/{version}/{singular}.json),
 * a reconciler (controllers/) and its line here; start-up checks that the three agree.
 */
export const KINDS: readonly KindNames[] = [
  kindNames('CertificateAuthority', 'certificateauthorities', ['ca', 'cas']),
  kindNames('Device', 'devices', ['dev']),
  kindNames('DeviceGroup', 'devicegroups', ['dg', 'group', 'groups']),
  kindNames('Artifact', 'artifacts', ['art']),
  kindNames('Rollout', 'rollouts', ['ro']),
  kindNames('TrustPolicy', 'trustpolicies', ['tp']),
];
