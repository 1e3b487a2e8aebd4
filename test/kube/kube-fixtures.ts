/**
 * What the facade's unit tables share: frozen inputs (no function may mutate one), the error a
 * call throws, and a stored Device to vary per case.
 */
import type { StewardError } from '../../src/errors.js';
import type { StoredResource } from '../../src/resources/model.js';

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

export function thrown(run: () => unknown): StewardError {
  try {
    run();
  } catch (error) {
    return error as StewardError;
  }
  throw new Error('expected a throw');
}

export function stored(overrides: Partial<StoredResource> = {}): StoredResource {
  return {
    tenant: 'default',
    kind: 'Device',
    name: 'edge-1',
    uid: '6f1c1a52-9a43-4a3e-9d1c-6b1b9d1c0e11',
    apiVersion: 'steward.dev/v1',
    labels: {},
    annotations: {},
    spec: { platform: 'linux', permanentIdentifier: 'machine-id-edge-1' },
    status: {},
    generation: 3,
    resourceVersion: 17,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    deletionTimestamp: null,
    finalizers: [],
    changeset: 'cs-1',
    ...overrides,
  };
}
