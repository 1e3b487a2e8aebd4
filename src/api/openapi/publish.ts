import { packageVersion } from '../../package-root.js';
import type { KindNames } from '../../resources/kind.js';
import { routeTable } from '../route-table.js';
import type { KindSchemaSource } from './kind-schemas.js';
import { buildOpenApiDocument, type PublishedDocument } from './openapi-document.js';
import { API_SHAPES, OPERATIONS } from './operations.js';

/**
 * The OpenAPI document of the given route classes and the served kinds, built and serialized once
 * (at start: it never changes while the server runs).
 *
 * @throws Error when a route has no entry in OPERATIONS (see buildOpenApiDocument).
 */
export function publishOpenApiDocument(
  routes: Parameters<typeof routeTable>[0],
  services: { kinds: { all: readonly KindNames[] }; validator: KindSchemaSource },
): PublishedDocument {
  const document = buildOpenApiDocument({
    routes: routeTable(routes),
    operations: OPERATIONS,
    shapes: API_SHAPES,
    kinds: services.kinds.all,
    schemas: services.validator,
    version: packageVersion(),
  });
  return { document, json: JSON.stringify(document) };
}
