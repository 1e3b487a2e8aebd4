/**
 * Status errors as tables: which paths are the facade's, field paths from JSON pointers, and
 * Steward's Status in Kubernetes' envelope.
 */
import { describe, expect, it } from 'vitest';
import { fieldPath, isKubePath, statusFor, toKubeStatus } from '../../src/api/kube/kube-status.js';
import type { Status } from '../../src/api/status.js';
import type { FieldProblem } from '../../src/errors.js';
import { deepFreeze } from './kube-fixtures.js';

describe('isKubePath', () => {
  it.each<[string, boolean]>([
    ['/version', true],
    ['/version?timeout=32s', true],
    ['/api', true],
    ['/api?timeout=32s', true],
    ['/apis', true],
    ['/apis/steward.dev', true],
    ['/apis/steward.dev/v1', true],
    ['/apis/steward.dev/v1/devices/edge-1?fieldValidation=Strict', true],
    ['/openapi/v2', true],
    ['/openapi/v3', true],
    ['/openapi/v3/apis/steward.dev/v1?hash=abc', true],
    // Steward's native API and everything else keep Steward's Status.
    ['/api/v1', false],
    ['/api/v1/devices', false],
    ['/api/v1/apply', false],
    ['/apisx', false],
    ['/versions', false],
    ['/openapi', false],
    ['/openapi/v3x', false],
    ['/healthz', false],
    ['/', false],
  ])('%s is a facade path: %s', (url, expected) => {
    expect(isKubePath(url)).toBe(expected);
  });
});

describe('fieldPath', () => {
  it.each<[string, string]>([
    ['', ''],
    ['/spec', 'spec'],
    ['/spec/platform', 'spec.platform'],
    ['/spec/identity/0', 'spec.identity[0]'],
    ['/spec/strategy/waves/12/selector', 'spec.strategy.waves[12].selector'],
    ['/spec/a/0/1', 'spec.a[0][1]'],
    ['/metadata/labels/app.kubernetes.io~1name', 'metadata.labels.app.kubernetes.io/name'],
    ['/metadata/annotations/a~0b', 'metadata.annotations.a~b'],
    ['/metadata/annotations/~01', 'metadata.annotations.~1'],
  ])('%j is %j', (pointer, path) => {
    expect(fieldPath(pointer)).toBe(path);
  });
});

describe('toKubeStatus', () => {
  const native = (code: number, reason: string, message: string, details?: Status['details']): Status => ({
    apiVersion: 'steward.dev/v1',
    kind: 'Status',
    code,
    reason,
    message,
    ...(details ? { details } : {}),
  });
  const unknownGrup: FieldProblem = { pointer: '/spec/grup', message: 'unknown field "grup"' };
  const missingPlatform: FieldProblem = {
    pointer: '/spec/platform',
    message: 'missing required field "platform"',
  };
  const badIdentity: FieldProblem = { pointer: '/spec/identity/0', message: 'must be a string' };

  it('keeps code, reason and message (a permission named), in Kubernetes’ envelope with the resource named', () => {
    const status = toKubeStatus(
      deepFreeze(native(403, 'Forbidden', 'this credential needs "devices:write"')),
      '/apis/steward.dev/v1/devices/edge-1',
    );
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'this credential needs "devices:write"',
      reason: 'Forbidden',
      details: { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
      code: 403,
    });
  });

  it.each<[string, Status, string, string, Record<string, unknown>]>([
    [
      'spells a 422’s problems out with the name from the URL and the kind from the details',
      native(422, 'Invalid', '3 problems', {
        kind: 'Device',
        causes: [unknownGrup, missingPlatform, badIdentity],
      }),
      '/apis/steward.dev/v1/devices/edge-1?fieldValidation=Strict',
      'Device.steward.dev "edge-1" is invalid: spec.grup: unknown field "grup", spec.platform: missing required field "platform", spec.identity[0]: must be a string',
      { name: 'edge-1', group: 'steward.dev', kind: 'Device' },
    ],
    [
      'names a POST’s object from the details (its URL has no name)',
      native(422, 'Invalid', '1 problem', { name: 'edge-9', kind: 'Device', causes: [unknownGrup] }),
      '/apis/steward.dev/v1/devices',
      'Device.steward.dev "edge-9" is invalid: spec.grup: unknown field "grup"',
      { name: 'edge-9', group: 'steward.dev', kind: 'Device' },
    ],
    [
      'prints a problem without a pointer as its message alone',
      native(422, 'Invalid', '1 problem', { kind: 'Device', causes: [{ pointer: '', message: 'bad' }] }),
      '/apis/steward.dev/v1/devices/edge-1',
      'Device.steward.dev "edge-1" is invalid: bad',
      { name: 'edge-1', group: 'steward.dev', kind: 'Device' },
    ],
    [
      'leaves a 422 without problems as it was',
      native(422, 'Invalid', 'the document is not an object'),
      '/apis/steward.dev/v1/devices/edge-1',
      'the document is not an object',
      { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'appends a 409’s causes to its message (kubectl prints the message alone)',
      native(409, 'Conflict', 'Apply failed with 1 conflict', {
        causes: [{ pointer: '/spec/displayName', message: 'conflict with "steward": .spec.displayName' }],
      }),
      '/apis/steward.dev/v1/devices/edge-1',
      'Apply failed with 1 conflict: conflict with "steward": .spec.displayName',
      { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'does not repeat a 409’s causes its message already says',
      native(409, 'Conflict', 'the object has been modified: resourceVersion 3 is stale', {
        causes: [{ pointer: '/metadata/resourceVersion', message: 'resourceVersion 3 is stale' }],
      }),
      '/apis/steward.dev/v1/devices/edge-1',
      'the object has been modified: resourceVersion 3 is stale',
      { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'decodes an escaped name in the URL',
      native(404, 'NotFound', 'devices.steward.dev "a b" not found'),
      '/apis/steward.dev/v1/devices/a%20b',
      'devices.steward.dev "a b" not found',
      { name: 'a b', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'shows a malformed escape as sent',
      native(400, 'BadRequest', 'malformed URL'),
      '/apis/steward.dev/v1/devices/%E0%A4%A',
      'malformed URL',
      { name: '%E0%A4%A', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'keeps retryAfterSeconds',
      native(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 5 }),
      '/apis/steward.dev/v1/devices?watch=true',
      'slow down',
      { group: 'steward.dev', kind: 'devices', retryAfterSeconds: 5 },
    ],
  ])('%s', (_case, status, url, message, details) => {
    const kube = toKubeStatus(deepFreeze(status), url);
    expect(kube.message).toBe(message);
    expect(kube.code).toBe(status.code);
    expect(kube.reason).toBe(status.reason);
    const { causes: _causes, ...rest } = kube.details ?? {};
    expect(rest).toEqual(details);
  });

  it('gives each problem a Kubernetes cause reason and field path', () => {
    const kube = toKubeStatus(
      native(422, 'Invalid', '3 problems', {
        kind: 'Device',
        causes: [unknownGrup, missingPlatform, badIdentity],
      }),
      '/apis/steward.dev/v1/devices/edge-1',
    );
    expect(kube.details?.causes).toEqual([
      { reason: 'FieldValueUnknown', message: 'unknown field "grup"', field: 'spec.grup' },
      { reason: 'FieldValueRequired', message: 'missing required field "platform"', field: 'spec.platform' },
      { reason: 'FieldValueInvalid', message: 'must be a string', field: 'spec.identity[0]' },
    ]);
  });

  it('has no details outside the group’s resources (/version)', () => {
    const kube = toKubeStatus(native(401, 'Unauthorized', 'no credential'), '/version');
    expect(kube).not.toHaveProperty('details');
    expect(kube).toMatchObject({ apiVersion: 'v1', kind: 'Status', code: 401, reason: 'Unauthorized' });
  });

  it('statusFor answers Kubernetes’ Status on the facade and Steward’s own elsewhere', () => {
    const status = native(404, 'NotFound', 'devices/x not found');
    expect(statusFor('/api/v1/devices/x', status)).toBe(status);
    expect(statusFor('/apis/steward.dev/v1/devices/x', status)).toMatchObject({
      apiVersion: 'v1',
      code: 404,
    });
  });
});
