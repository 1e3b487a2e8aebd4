import { APPLYSET_OPERATIONS, APPLYSET_SHAPES } from './areas/applysets.js';
import { ARTIFACT_OPERATIONS, ARTIFACT_SHAPES } from './areas/artifacts.js';
import { CORE_OPERATIONS, CORE_SHAPES } from './areas/core.js';
import { DEVICE_OPERATIONS, DEVICE_SHAPES } from './areas/device-logs.js';
import { DEVICE_ACTION_OPERATIONS, DEVICE_ACTION_SHAPES } from './areas/devices.js';
import { ENROLL_TOKEN_OPERATIONS, ENROLL_TOKEN_SHAPES } from './areas/enroll-tokens.js';
import { FEDERATION_OPERATIONS, FEDERATION_SHAPES } from './areas/federation.js';
import { IDENTITY_OPERATIONS, IDENTITY_SHAPES } from './areas/identity.js';
import { JOURNAL_OPERATIONS, JOURNAL_SHAPES } from './areas/journal.js';
import { KUBE_OPERATIONS } from './areas/kube.js';
import { PKI_OPERATIONS, PKI_SHAPES } from './areas/pki.js';
import { ROLLOUT_OPERATIONS, ROLLOUT_SHAPES } from './areas/rollouts.js';
import type { JsonSchema } from './kind-schemas.js';
import type { OperationEntry } from './operation.js';

/**
 * Every route's documentation, keyed by handler (`ApplyRoutes.apply`), from the areas' tables.
 * The document refuses to build when a route has no row or a row names no route.
 */
export const OPERATIONS: ReadonlyMap<string, OperationEntry> = new Map([
  ...CORE_OPERATIONS,
  ...IDENTITY_OPERATIONS,
  ...JOURNAL_OPERATIONS,
  ...PKI_OPERATIONS,
  ...ENROLL_TOKEN_OPERATIONS,
  ...DEVICE_OPERATIONS,
  ...DEVICE_ACTION_OPERATIONS,
  ...ARTIFACT_OPERATIONS,
  ...ROLLOUT_OPERATIONS,
  ...FEDERATION_OPERATIONS,
  ...APPLYSET_OPERATIONS,
  ...KUBE_OPERATIONS,
]);

/** The API's own bodies, by component name (`ref('Status')`). */
export const API_SHAPES: Readonly<Record<string, JsonSchema>> = {
  ...CORE_SHAPES,
  ...IDENTITY_SHAPES,
  ...JOURNAL_SHAPES,
  ...PKI_SHAPES,
  ...ENROLL_TOKEN_SHAPES,
  ...DEVICE_SHAPES,
  ...DEVICE_ACTION_SHAPES,
  ...ARTIFACT_SHAPES,
  ...ROLLOUT_SHAPES,
  ...FEDERATION_SHAPES,
  ...APPLYSET_SHAPES,
};
