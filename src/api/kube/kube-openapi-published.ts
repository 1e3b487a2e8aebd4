import { createHash } from 'node:crypto';
import type { KindNames } from '../../resources/kind.js';
import type { KindSchemaSource } from '../openapi/kind-schemas.js';
import { kubeGroupDocument, kubeOpenApiIndex } from './kube-openapi.js';

export const KUBE_OPENAPI = Symbol('KUBE_OPENAPI');

/** The facade's OpenAPI v3 documents, built once at start and served as text. */
export interface KubeOpenApi {
  index: object;
  groupText: string;
  hash: string;
}

export function publishKubeOpenApi(kinds: readonly KindNames[], source: KindSchemaSource): KubeOpenApi {
  const groupText = JSON.stringify(kubeGroupDocument(kinds, source));
  const hash = createHash('sha256').update(groupText).digest('hex');
  return { index: kubeOpenApiIndex(hash), groupText, hash };
}
