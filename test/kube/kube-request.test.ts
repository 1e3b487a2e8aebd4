/**
 * What the facade reads from a request besides its body, as tables: field selectors, and the
 * default field manager a User-Agent gives.
 */
import { describe, expect, it } from 'vitest';
import { parseFieldSelector } from '../../src/api/kube/kube-facade.js';
import { defaultManager } from '../../src/api/kube/kube-write.js';
import { BadRequestError } from '../../src/errors.js';
import { thrown } from './kube-fixtures.js';

describe('parseFieldSelector', () => {
  it.each<[string | undefined, { name?: string; notName?: string }]>([
    [undefined, {}],
    ['', {}],
    ['metadata.name=edge-1', { name: 'edge-1' }],
    ['metadata.name==edge-1', { name: 'edge-1' }],
    ['metadata.name!=edge-1', { notName: 'edge-1' }],
    [' metadata.name = edge-1 ', { name: 'edge-1' }],
    ['metadata.name=a,metadata.name!=b', { name: 'a', notName: 'b' }],
  ])('%j selects %j', (selector, expected) => {
    expect(parseFieldSelector(selector)).toEqual(expected);
  });

  it.each<[string, string]>([
    [
      'spec.platform=linux',
      'field label not supported: spec.platform (only metadata.name is, as for Kubernetes custom resources)',
    ],
    [
      'metadata.namespace=default',
      'field label not supported: metadata.namespace (only metadata.name is, as for Kubernetes custom resources)',
    ],
    ['metadata.name', 'invalid field selector "metadata.name"'],
    ['metadata.name=a,,', 'invalid field selector ""'],
  ])('%j is a 400: %s', (selector, message) => {
    const error = thrown(() => parseFieldSelector(selector));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(message);
  });
});

describe('defaultManager', () => {
  it.each<[string | undefined, string]>([
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9', 'kubectl'],
    ['kubectl-client-side-apply/v1.32.0', 'kubectl-client-side-apply'],
    ['node-fetch', 'node-fetch'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['/v1.0', 'unknown'],
    [`${'m'.repeat(200)}/1`, 'm'.repeat(128)],
  ])('User-Agent %j is manager %j', (userAgent, manager) => {
    expect(defaultManager(userAgent)).toBe(manager);
  });
});
