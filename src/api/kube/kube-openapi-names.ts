import { API_GROUP } from '../../contract/resource.js';

/** The names the facade's OpenAPI document uses, after Kubernetes' conventions. */

export type Schema = Record<string, unknown>;

export const VERSION = 'v1';
export const GROUP_VERSION_PATH = `apis/${API_GROUP}/${VERSION}`;
/** Kubernetes names components by the reversed group: `dev.steward.v1.Device`. */
export const PREFIX = `${API_GROUP.split('.').reverse().join('.')}.${VERSION}.`;
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const GROUP_WORDS = API_GROUP.split('.').map(capitalize).join('');
/** `StewardDevV1`, as in Kubernetes' operation ids (`listStewardDevV1Device`). */
export const OPERATION_GROUP = `${GROUP_WORDS}${capitalize(VERSION)}`;
/** `stewardDev_v1`, Kubernetes' tag of a group version. */
export const TAG = `${GROUP_WORDS.charAt(0).toLowerCase()}${GROUP_WORDS.slice(1)}_${VERSION}`;
export const ENVELOPE_REF = 'common.json#/$defs/envelope';

export function ref(component: string): Schema {
  return { $ref: `#/components/schemas/${component}` };
}

/** A `$ref` with a description beside it, which OpenAPI 3.0 keeps only through `allOf` (as Kubernetes writes it). */
export function described(target: Schema, description: string): Schema {
  return { allOf: [target], description };
}

export function gvk(kind: string): Schema {
  return { group: API_GROUP, version: VERSION, kind };
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
