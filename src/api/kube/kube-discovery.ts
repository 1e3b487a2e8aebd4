import type { KindNames } from '../../resources/kind.js';

/** The facade's one group and version: every Steward kind, cluster-scoped. */
export const KUBE_GROUP = 'steward.dev';
export const KUBE_VERSION = 'v1';
export const KUBE_GROUP_VERSION = `${KUBE_GROUP}/${KUBE_VERSION}`;

/** What every kind supports on the facade (kubectl reads these to decide what it may do). */
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** `GET /version`: kubectl prints it and checks the skew. Steward's own version is in gitVersion. Pure. */
export function kubeVersion(stewardVersion: string) {
  return {
    major: '1',
    minor: '32',
    gitVersion: `v1.32.0+steward-${stewardVersion}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: '',
    compiler: 'steward',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** `GET /api`: no core group versions (no namespaces, pods, secrets…). Pure. */
export function kubeCoreVersions() {
  return { kind: 'APIVersions', apiVersion: 'v1', versions: [], serverAddressByClientCIDRs: [] };
}

/** `GET /apis`: the one group. Pure. */
export function kubeGroupList() {
  const version = { groupVersion: KUBE_GROUP_VERSION, version: KUBE_VERSION };
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: KUBE_GROUP, versions: [version], preferredVersion: version }],
  };
}

/** `GET /apis/steward.dev`: the group alone. Pure. */
export function kubeGroup() {
  const [group] = kubeGroupList().groups;
  return { kind: 'APIGroup', apiVersion: 'v1', ...group };
}

/**
 * `GET /apis/steward.dev/v1`: every kind of the registry with its names, derived from the kind
 * index, so a new kind appears here with no facade code. Pure.
 */
export function kubeResourceList(kinds: readonly KindNames[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: KUBE_GROUP_VERSION,
    resources: kinds
      .filter((kind) => kind.versions.includes(KUBE_VERSION))
      .map((kind) => ({
        name: kind.plural,
        singularName: kind.singular,
        namespaced: false,
        kind: kind.kind,
        verbs: VERBS,
        shortNames: kind.shortNames,
        categories: ['steward'],
      })),
  };
}
