import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROUTES } from '../../src/api/http.module.js';
import type { OpenApiDocument } from '../../src/api/openapi/openapi-document.js';
import { buildOpenApiDocument } from '../../src/api/openapi/openapi-document.js';
import type { OperationDoc } from '../../src/api/openapi/operation.js';
import { API_SHAPES, OPERATIONS } from '../../src/api/openapi/operations.js';
import { routeTable } from '../../src/api/route-table.js';
import { BODY_SCHEMA_KEY } from '../../src/api/valid-body.js';
import { addStewardKeywords } from '../../src/schema/keywords.js';
import { call, useServer } from '../support/server.js';

const addFormats: FormatsPlugin =
  (formatsModule as unknown as { default?: FormatsPlugin }).default ??
  (formatsModule as unknown as FormatsPlugin);

/** Every `$ref` string anywhere in a value. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value !== null && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else refsIn(child, found);
    }
  return found;
}

describe('GET /api/v1/openapi.json', () => {
  const suite = useServer();
  let text: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    const response = await call(suite.server, 'GET', '/api/v1/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.body as unknown as OpenApiDocument;
    text = JSON.stringify(document);
  });

  it('is served without a credential (it holds nothing of any tenant)', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Steward API');
  });

  it('passes an independent OpenAPI 3.1 validator', async () => {
    // A fresh copy: the validator dereferences in place.
    const result = await validate(JSON.parse(text), { resolve: { external: false } });
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    // The same validator refuses a broken copy: a response without its required description.
    const broken = JSON.parse(text);
    delete broken.paths['/api/v1/apply'].post.responses['200'].description;
    expect((await validate(broken, { resolve: { external: false } })).valid).toBe(false);
  });

  it('has every registered route, with its permission as an extension and in its description', () => {
    const kinds = suite.server.services.kinds.all;
    const missing: string[] = [];
    let checked = 0;
    for (const route of routeTable(ROUTES)) {
      // The Kubernetes facade's resources are documented by its own OpenAPI v3 (test/kube/kube-openapi.test.ts).
      const entry = OPERATIONS.get(route.handler);
      if (entry && 'elsewhere' in entry) {
        expect(route.path.startsWith('/apis/steward.dev/v1/'), route.path).toBe(true);
        continue;
      }
      for (const kind of route.path.includes(':plural') ? kinds : [undefined]) {
        const path = (kind ? route.path.replace(':plural', kind.plural) : route.path).replace(
          /:([A-Za-z0-9_]+)/g,
          '{$1}',
        );
        const permission = (route.permission as string).replace('{plural}', kind?.plural ?? '{plural}');
        const operation = document.paths[path]?.[route.method.toLowerCase()];
        if (!operation) {
          missing.push(`${route.method} ${path}`);
          continue;
        }
        expect(operation['x-steward-permission'], `${route.method} ${path}`).toBe(permission);
        expect(operation.description).toContain('**Permission:**');
        if (!['public', 'authenticated', 'session'].includes(permission))
          expect(operation.description).toContain(`\`${permission}\``);
        expect(operation.security.length === 0, `${route.method} ${path} security`).toBe(
          permission === 'public',
        );
        expect(Object.keys(operation.responses)).toContain(String(route.status));
        checked++;
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(routeTable(ROUTES).length);
  });

  it('describes every validated request body with the very schema the route validates it with', () => {
    let validated = 0;
    for (const route of routeTable(ROUTES)) {
      const [routeClass, method] = route.handler.split('.') as [string, string];
      const routeType = ROUTES.find((candidate) => candidate.name === routeClass);
      const handler = (routeType?.prototype as Record<string, object> | undefined)?.[method];
      const schema = handler && Reflect.getMetadata(BODY_SCHEMA_KEY, handler);
      // Routes taking no fields (logout, rotate, revoke) declare no request body.
      if (!schema?.properties) continue;
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      const content = operation?.requestBody?.content as Record<string, { schema?: unknown }> | undefined;
      expect(content?.['application/json']?.schema, route.handler).toEqual(
        JSON.parse(JSON.stringify(schema)),
      );
      validated++;
    }
    // Login, password, keys, users and tenants validate their bodies.
    expect(validated).toBeGreaterThanOrEqual(6);
  });

  it('lists no operation that is not a route', () => {
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    const handlers = new Set(routeTable(ROUTES).map((route) => route.handler));
    for (const operation of operations)
      expect(handlers.has(operation.operationId.split('.').slice(0, 2).join('.'))).toBe(true);
  });

  it('documents each kind under its own path, with its schema', () => {
    for (const kind of suite.server.services.kinds.all) {
      const get = document.paths[`/api/v1/${kind.plural}/{name}`]?.get;
      expect(get?.responses['200']).toEqual({
        description: 'The resource.',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/v1.${kind.kind}` } } },
      });
      const list = document.paths[`/api/v1/${kind.plural}`]?.get;
      expect(JSON.stringify(list?.responses['200'])).toContain(`v1.${kind.kind}List`);
      expect(document.components.schemas[`v1.${kind.kind}`]).toMatchObject({
        properties: { kind: { const: kind.kind } },
      });
    }
  });

  it('answers errors with the Status shape, and declares the bearer key and the session cookie with CSRF', () => {
    const apply = document.paths['/api/v1/apply'].post;
    for (const code of ['401', '403', '422', 'default']) expect(apply.responses[code]).toHaveProperty('$ref');
    expect(document.components.responses.Invalid).toEqual({
      description: expect.any(String),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' } } },
    });
    expect(apply.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [], csrfHeader: [] }]);
    expect(document.paths['/api/v1/devices'].get.security).toEqual([
      { bearerAuth: [] },
      { sessionCookie: [] },
    ]);
    expect(document.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'steward_session' },
      csrfHeader: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
    });
  });

  it('points every $ref inside the document, at a component that exists', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(50);
    const dangling = refs.filter((target) => {
      const match = /^#\/components\/(schemas|responses)\/([^/]+)$/.exec(target);
      if (!match) return true;
      const section = document.components[match[1] as 'schemas' | 'responses'];
      return section[match[2]] === undefined;
    });
    expect(dangling).toEqual([]);
    expect(text).not.toContain('"$id"');
  });

  it('keeps the kinds’ rules: the sample fleet is valid against the document’s Manifest and a broken one is not', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    addStewardKeywords(ajv);
    ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
    const manifest = ajv.compile({ $ref: 'openapi#/components/schemas/Manifest' });
    const dir = join(import.meta.dirname, '../../manifests');
    let count = 0;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml')))
      for (const yaml of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const value = yaml.toJS();
        if (value === null) continue;
        expect(manifest(value), `${file} ${value.metadata?.name}: ${ajv.errorsText(manifest.errors)}`).toBe(
          true,
        );
        count++;
      }
    expect(count).toBeGreaterThan(5);
    const device = {
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'Not_A_Label' },
      spec: { platform: 'apple', permanentIdentifier: 'lower-case', colour: 'red' },
    };
    expect(manifest(device)).toBe(false);
    const wrong = (manifest.errors ?? []).map((error) => `${error.instancePath} ${error.keyword}`);
    expect(wrong).toEqual(
      expect.arrayContaining([
        '/metadata/name pattern',
        '/spec additionalProperties',
        '/spec/permanentIdentifier pattern',
      ]),
    );
  });

  it('is built once: every request answers the same text', async () => {
    const again = await call(suite.server, 'GET', '/api/v1/openapi.json', { token: null });
    expect(JSON.stringify(again.body)).toBe(text);
  });
});

describe('building the document', () => {
  const kinds = [{ kind: 'Device', plural: 'devices', singular: 'device', shortNames: [], versions: ['v1'] }];
  const schemas = {
    schemaFor: () => ({ properties: { kind: { const: 'Device' } } }),
    commonSchema: () => ({ $defs: {} }),
  };

  it('refuses a route without documentation, naming it', () => {
    const operations = new Map(OPERATIONS);
    operations.delete('ApplyRoutes.apply');
    expect(() =>
      buildOpenApiDocument({
        routes: routeTable(ROUTES),
        operations,
        kinds,
        schemas,
        shapes: API_SHAPES,
        version: '0',
      }),
    ).toThrow(/ApplyRoutes.apply/);
  });

  it('refuses documentation of a route that does not exist', () => {
    const operations = new Map(OPERATIONS);
    operations.set('ApplyRoutes.gone', { tag: 'x', summary: 'x', response: { description: 'x' } });
    expect(() =>
      buildOpenApiDocument({
        routes: routeTable(ROUTES),
        operations,
        kinds,
        schemas,
        shapes: API_SHAPES,
        version: '0',
      }),
    ).toThrow(/ApplyRoutes.gone/);
  });

  it('takes a route’s own JSON Schema as is, and one with its $id and $defs as components', async () => {
    const loginSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://steward.dev/schemas/auth/login.json',
      type: 'object',
      required: ['username'],
      properties: {
        username: { $ref: '#/$defs/username' },
        tenant: { $ref: 'https://steward.dev/schemas/auth/login.json#/$defs/username' },
      },
      $defs: { username: { type: 'string', minLength: 1 } },
    };
    const plain = { type: 'object', properties: { role: { enum: ['viewer', 'admin'] } } };
    const operations = new Map(OPERATIONS);
    const login = OPERATIONS.get('AuthRoutes.login') as OperationDoc;
    const update = OPERATIONS.get('UserRoutes.update') as OperationDoc;
    operations.set('AuthRoutes.login', {
      ...login,
      request: { description: 'x', content: { 'application/json': loginSchema } },
    });
    operations.set('UserRoutes.update', {
      ...update,
      request: { description: 'x', content: { 'application/json': plain } },
    });
    const document = buildOpenApiDocument({
      routes: routeTable(ROUTES),
      operations,
      kinds,
      schemas,
      shapes: API_SHAPES,
      version: '0',
    });
    const loginBody = document.paths['/api/v1/auth/login'].post.requestBody as {
      content: Record<string, unknown>;
    };
    expect(loginBody.content['application/json']).toEqual({
      schema: { $ref: '#/components/schemas/AuthRoutes.login.request' },
    });
    expect(document.components.schemas['AuthRoutes.login.request']).toEqual({
      type: 'object',
      required: ['username'],
      properties: {
        username: { $ref: '#/components/schemas/AuthRoutes.login.request.username' },
        tenant: { $ref: '#/components/schemas/AuthRoutes.login.request.username' },
      },
    });
    const updateBody = document.paths['/api/v1/users/{name}'].put.requestBody as {
      content: Record<string, unknown>;
    };
    expect(updateBody.content['application/json']).toEqual({ schema: plain });
    const result = await validate(JSON.parse(JSON.stringify(document)), { resolve: { external: false } });
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('refuses a $ref it cannot map into the document rather than leaving a remote one', () => {
    const remote = { ...schemas, schemaFor: () => ({ $ref: 'https://example.com/other.json#/x' }) };
    expect(() =>
      buildOpenApiDocument({
        routes: routeTable(ROUTES),
        operations: OPERATIONS,
        kinds,
        schemas: remote,
        shapes: API_SHAPES,
        version: '0',
      }),
    ).toThrow(/other\.json/);
  });
});
