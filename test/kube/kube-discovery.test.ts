/**
 * Discovery from the kind registry: every kind served with no facade code of its own, the one
 * group and version, and the version kubectl reads.
 */
import { describe, expect, it } from 'vitest';
import {
  KUBE_GROUP_VERSION,
  kubeCoreVersions,
  kubeGroup,
  kubeGroupList,
  kubeResourceList,
  kubeVersion,
} from '../../src/api/kube/kube-discovery.js';
import { KINDS } from '../../src/kinds.js';
import { kindNames } from '../../src/resources/kind.js';

describe('discovery', () => {
  const sprocket = kindNames('Sprocket', 'sprockets', ['spr']);
  const futureOnly = kindNames('Widget', 'widgets', ['wd'], ['v2']);

  it('lists every kind of the registry, and a made-up kind appears with no facade code', () => {
    const list = kubeResourceList([...KINDS, sprocket, futureOnly]);
    expect(list).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'steward.dev/v1' });
    expect(list.resources.map((resource) => resource.name)).toEqual([
      ...KINDS.map((kind) => kind.plural),
      'sprockets',
    ]);
    expect(list.resources.find((resource) => resource.name === 'sprockets')).toEqual({
      name: 'sprockets',
      singularName: 'sprocket',
      namespaced: false,
      kind: 'Sprocket',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['spr'],
      categories: ['steward'],
    });
    expect(list.resources.find((resource) => resource.name === 'devices')).toMatchObject({
      kind: 'Device',
      singularName: 'device',
      shortNames: ['dev'],
      namespaced: false,
    });
  });

  it('serves the one group and version, no core versions, and a Kubernetes version with Steward’s inside', () => {
    expect(KUBE_GROUP_VERSION).toBe('steward.dev/v1');
    const version = { groupVersion: 'steward.dev/v1', version: 'v1' };
    expect(kubeGroupList()).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'steward.dev', versions: [version], preferredVersion: version }],
    });
    expect(kubeGroup()).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'steward.dev',
      versions: [version],
      preferredVersion: version,
    });
    expect(kubeCoreVersions()).toMatchObject({ kind: 'APIVersions', versions: [] });
    expect(kubeVersion('1.2.3')).toMatchObject({ major: '1', gitVersion: 'v1.32.0+steward-1.2.3' });
  });
});
