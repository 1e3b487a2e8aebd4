import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KindNames } from '../../resources/kind.js';
import { defaultSchemaDir } from '../../schema/schema-files.js';
import { routeTable } from '../route-table.js';
import type { KindSchemaSource } from './kind-schemas.js';
import { buildOpenApiDocument, type PublishedDocument } from './openapi-document.js';
import { API_SHAPES, OPERATIONS } from './operations.js';

/** Steward's version: the package.json beside schemas/ (from src/ and from a compiled build alike). */
function stewardVersion(): string {
  const packageJson = join(dirname(defaultSchemaDir()), 'package.json');
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

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
    version: stewardVersion(),
  });
  return { document, json: JSON.stringify(document) };
}
