import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { kubeGroupDocument, kubeOpenApiIndex } from '../../src/api/kube/kube-openapi.js';
import type { KindSchemaSource } from '../../src/api/openapi/kind-schemas.js';
import { KINDS } from '../../src/kinds.js';
import { type KindNames, kindNames } from '../../src/resources/kind.js';
import { ManifestValidator } from '../../src/schema/validator.js';

type Schema = Record<string, unknown>;

const kinds: readonly KindNames[] = KINDS;
const validator = new ManifestValidator(kinds);
const document = kubeGroupDocument(kinds, validator);
const schemas = (document.components as { schemas: Record<string, Schema> }).schemas;
const paths = document.paths as Record<string, Record<string, Schema>>;
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** What an OpenAPI 3.0 Schema Object may hold (3.0.3 §4.7.24), and the extension kubectl reads. */
const OPENAPI_30_SCHEMA_KEYS = new Set([
  ...'$ref title description type format nullable enum default example readOnly writeOnly deprecated required'.split(
    ' ',
  ),
  ...'multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern'.split(' '),
  ...'maxItems minItems uniqueItems maxProperties minProperties'.split(' '),
  ...'allOf anyOf oneOf not items properties additionalProperties'.split(' '),
  'x-kubernetes-group-version-kind',
]);

/** Every schema of the document (components and the operations' bodies), with where it sits. */
function everySchema(): Array<[string, Schema]> {
  const found: Array<[string, Schema]> = [];
  const visit = (schema: Schema, at: string) => {
    found.push([at, schema]);
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
      visit(property, `${at}.properties.${name}`);
    for (const key of ['items', 'not', 'additionalProperties'])
      if (typeof schema[key] === 'object') visit(schema[key] as Schema, `${at}.${key}`);
    for (const key of ['allOf', 'anyOf', 'oneOf'])
      for (const [index, branch] of ((schema[key] ?? []) as Schema[]).entries())
        visit(branch, `${at}.${key}[${index}]`);
  };
  for (const [name, schema] of Object.entries(schemas)) visit(schema, name);
  const bodies = (value: unknown, at: string): void => {
    if (Array.isArray(value)) for (const [index, item] of value.entries()) bodies(item, `${at}[${index}]`);
    else if (value !== null && typeof value === 'object')
      for (const [key, child] of Object.entries(value))
        if (key === 'schema') visit(child as Schema, `${at}.schema`);
        else bodies(child, `${at}.${key}`);
  };
  bodies(paths, 'paths');
  return found;
}

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

/** A schema with its `$ref` or single-`$ref` `allOf` followed, as kubectl explain follows them; own keys win. */
function resolved(schema: Schema): Schema {
  const target = (schema.$ref ?? (schema.allOf as Schema[] | undefined)?.[0]?.$ref) as string | undefined;
  if (target === undefined) return schema;
  const { $ref: _ref, allOf: _allOf, ...own } = schema;
  return { ...resolved(schemas[target.replace('#/components/schemas/', '')] as Schema), ...own };
}

function field(schema: Schema, ...names: string[]): Schema {
  return names.reduce(
    (current, name) => resolved((resolved(current).properties as Record<string, Schema>)[name] as Schema),
    resolved(schema),
  );
}

/** A kind built from a schema written for the test, over the real common.json. */
function widgetDocument(widget: Schema): Record<string, unknown> {
  const source: KindSchemaSource = {
    schemaFor: () => widget,
    commonSchema: (version) => validator.commonSchema(version),
  };
  return kubeGroupDocument([kindNames('Widget', 'widgets', [])], source);
}

function widgetSpec(spec: Schema): Schema {
  const built = widgetDocument({
    $ref: 'common.json#/$defs/envelope',
    properties: { kind: { const: 'Widget' }, spec: { $ref: '#/$defs/spec' } },
    $defs: { spec: { type: 'object', properties: { field: spec } } },
  });
  const widget = (built.components as { schemas: Record<string, Schema> }).schemas[
    'dev.steward.v1.Widget'
  ] as Schema;
  const inlined = (widget.properties as Record<string, Schema>).spec as Schema;
  return (inlined.properties as Record<string, Schema>).field as Schema;
}

describe('the steward.dev/v1 OpenAPI v3 document for kubectl', () => {
  it('is OpenAPI 3.0.0 to an independent validator, with every $ref resolved', async () => {
    expect(document.openapi).toBe('3.0.0');
    expect(document.info).toEqual({ title: 'Steward', version: 'v1' });
    // A fresh copy: the validator dereferences in place.
    const result = await validate(JSON.parse(JSON.stringify(document)), { resolve: { external: false } });
    expect(result.valid ? [] : result.errors).toEqual([]);
    const dangling = refsIn(document).filter(
      (target) =>
        !target.startsWith('#/components/schemas/') ||
        schemas[target.slice('#/components/schemas/'.length)] === undefined,
    );
    expect(dangling).toEqual([]);
  });

  it('holds only OpenAPI 3.0 schema keywords: no 2020-12 construct survives', () => {
    const strays: string[] = [];
    for (const [at, schema] of everySchema()) {
      for (const key of Object.keys(schema))
        if (!OPENAPI_30_SCHEMA_KEYS.has(key)) strays.push(`${at}: ${key}`);
      if (schema.type !== undefined && typeof schema.type !== 'string')
        strays.push(`${at}: type ${schema.type}`);
      for (const key of ['exclusiveMinimum', 'exclusiveMaximum'])
        if (schema[key] !== undefined && typeof schema[key] !== 'boolean')
          strays.push(`${at}: numeric ${key}`);
      if (schema.$ref !== undefined && Object.keys(schema).length > 1)
        strays.push(`${at}: $ref with siblings`);
    }
    expect(strays).toEqual([]);
    expect(everySchema().length).toBeGreaterThan(300);
  });

  it.each(kinds.map((kind) => [kind.kind]))(
    'has the components of %s, tagged with their group-version-kind',
    (kind) => {
      expect(schemas[`dev.steward.v1.${kind}`]?.['x-kubernetes-group-version-kind']).toEqual([
        { group: 'steward.dev', version: 'v1', kind },
      ]);
      expect(schemas[`dev.steward.v1.${kind}List`]?.['x-kubernetes-group-version-kind']).toEqual([
        { group: 'steward.dev', version: 'v1', kind: `${kind}List` },
      ]);
      const manifest = schemas[`dev.steward.v1.${kind}`] as Schema;
      expect(field(manifest, 'apiVersion')).toMatchObject({
        type: 'string',
        description: expect.any(String),
      });
      expect(field(manifest, 'kind')).toMatchObject({ type: 'string', description: expect.any(String) });
      expect(((manifest.properties as Schema).metadata as Schema).allOf).toEqual([
        { $ref: `#/components/schemas/${META}ObjectMeta` },
      ]);
      expect(field(manifest, 'spec').description).toBe(
        ((validator.schemaFor(kind, 'v1') as { $defs: Record<string, Schema> }).$defs.spec as Schema)
          .description,
      );
      expect(Object.keys(field(manifest, 'status').properties as Schema)).toEqual(
        expect.arrayContaining(['observedGeneration', 'conditions']),
      );
    },
  );

  it('has the apimachinery shapes kubectl knows, ObjectMeta under Kubernetes names and without a namespace', () => {
    for (const shape of [
      'ObjectMeta',
      'ListMeta',
      'ManagedFieldsEntry',
      'Status',
      'Patch',
      'DeleteOptions',
      'WatchEvent',
    ])
      expect(schemas[`${META}${shape}`]?.description, shape).toEqual(expect.any(String));
    const meta = schemas[`${META}ObjectMeta`]?.properties as Record<string, Schema>;
    expect(Object.keys(meta).sort()).toEqual(
      [
        'annotations',
        'creationTimestamp',
        'deletionTimestamp',
        'finalizers',
        'generation',
        'labels',
        'managedFields',
        'name',
        'resourceVersion',
        'uid',
      ].sort(),
    );
    for (const [name, property] of Object.entries(meta))
      expect(property.description, name).toEqual(expect.any(String));
    expect(schemas[`${META}Status`]?.['x-kubernetes-group-version-kind']).toEqual([
      { group: '', version: 'v1', kind: 'Status' },
    ]);
  });

  it('carries the descriptions of schemas/v1/device.json into device.spec, nested fields included', () => {
    const device = validator.schemaFor('Device', 'v1') as { $defs: Record<string, Schema> };
    const identity = device.$defs.identity as { description: string; properties: Record<string, Schema> };
    const manifest = schemas['dev.steward.v1.Device'] as Schema;
    expect(field(manifest, 'spec').description).toBe(device.$defs.spec?.description);
    expect(field(manifest, 'spec', 'identity').description).toBe(identity.description);
    expect(field(manifest, 'spec', 'identity', 'caRef').description).toBe(
      identity.properties.caRef?.description,
    );
    expect(field(manifest, 'spec', 'identity', 'caRef', 'name')).toMatchObject({
      type: 'string',
      description: expect.stringContaining('DNS-1123'),
    });
    expect(field(manifest, 'spec', 'platform')).toMatchObject({
      type: 'string',
      enum: ['apple', 'tpm', 'linux', 'android', 'windows', 'other'],
      description: expect.stringContaining('platform of a device'),
    });
  });

  describe.each(kinds.filter((kind) => kind.plural).map((kind) => [kind.kind, kind.plural]))(
    'the paths of %s',
    (kind, plural) => {
      const collection = paths[`/apis/steward.dev/v1/${plural}`] as Record<string, Schema>;
      const item = paths[`/apis/steward.dev/v1/${plural}/{name}`] as Record<string, Schema>;
      const operations: Array<[string, Schema, string]> = [
        ['list', collection.get, 'list'],
        ['create', collection.post, 'post'],
        ['read', item.get, 'get'],
        ['replace', item.put, 'put'],
        ['patch', item.patch, 'patch'],
        ['delete', item.delete, 'delete'],
      ];

      it.each(operations)(
        '%s: an operation id, the tag, the action, the group-version-kind and the errors',
        (verb, operation, action) => {
          expect(operation).toMatchObject({
            operationId: `${verb}StewardDevV1${kind}`,
            tags: ['stewardDev_v1'],
            'x-kubernetes-action': action,
            // An object on operations (a list on schemas): kubectl's parameter check reads it so.
            'x-kubernetes-group-version-kind': { group: 'steward.dev', version: 'v1', kind },
          });
          for (const code of ['401', '403', '404', '409', '422'])
            expect((operation.responses as Record<string, Schema>)[code]).toEqual({
              description: expect.any(String),
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${META}Status` } } },
            });
        },
      );

      it('names the resource by a path parameter', () => {
        expect(item.parameters).toEqual([
          expect.objectContaining({ name: 'name', in: 'path', required: true, schema: { type: 'string' } }),
        ]);
      });

      it.each([
        ['POST', collection.post],
        ['PUT', item.put],
        ['PATCH', item.patch],
      ])(
        '%s declares fieldValidation on the operation itself (kubectl apply and diff require it)',
        (_method, operation) => {
          expect(operation.parameters).toContainEqual({
            name: 'fieldValidation',
            in: 'query',
            description:
              'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default), Strict.',
            schema: { type: 'string' },
          });
        },
      );

      it('PATCH takes JSON patch, merge patch and apply, never a strategic merge patch', () => {
        const content = (item.patch.requestBody as { content: Record<string, Schema> }).content;
        expect(Object.keys(content).sort()).toEqual([
          'application/apply-patch+yaml',
          'application/json-patch+json',
          'application/merge-patch+json',
        ]);
        expect(content['application/merge-patch+json']).toEqual({
          schema: { $ref: `#/components/schemas/${META}Patch` },
        });
        expect((item.patch.parameters as Schema[]).map((parameter) => parameter.name)).toEqual([
          'dryRun',
          'fieldManager',
          'fieldValidation',
          'force',
        ]);
      });

      it('lists and watches with the Kubernetes query parameters, answering the List', () => {
        expect((collection.get.parameters as Schema[]).map((parameter) => parameter.name)).toEqual([
          'labelSelector',
          'fieldSelector',
          'limit',
          'continue',
          'watch',
          'resourceVersion',
          'allowWatchBookmarks',
          'timeoutSeconds',
        ]);
        expect((collection.get.responses as Record<string, Schema>)['200']).toMatchObject({
          content: {
            'application/json': { schema: { $ref: `#/components/schemas/dev.steward.v1.${kind}List` } },
          },
        });
      });

      it('creates from JSON or YAML, answering the kind', () => {
        const body = collection.post.requestBody as { required: boolean; content: Record<string, Schema> };
        const manifest = { schema: { $ref: `#/components/schemas/dev.steward.v1.${kind}` } };
        expect(body).toEqual({
          required: true,
          content: { 'application/json': manifest, 'application/yaml': manifest },
        });
        const responses = collection.post.responses as Record<string, Schema>;
        expect(responses['201']?.content).toEqual({ 'application/json': manifest });
        expect(responses['200']?.content).toEqual({ 'application/json': manifest });
      });
    },
  );

  it('is deterministic: the order of the registry does not change a byte (the hash names the document)', () => {
    expect(JSON.stringify(kubeGroupDocument([...kinds].reverse(), validator))).toBe(JSON.stringify(document));
  });

  it('refuses a kind not built on the envelope, and a $ref it cannot map', () => {
    expect(() => widgetDocument({ type: 'object' })).toThrow(
      /Widget: expected "\$ref": "common\.json#\/\$defs\/envelope"/,
    );
    expect(() =>
      widgetDocument({
        $ref: 'common.json#/$defs/envelope',
        properties: { spec: { $ref: 'https://example.com/other.json#/x' } },
      }),
    ).toThrow(/cannot map \$ref "https:\/\/example\.com\/other\.json#\/x"/);
  });
});

describe('down-converting a 2020-12 field to OpenAPI 3.0', () => {
  it.each<[string, Schema, Schema]>([
    ['const becomes a one-value enum, typed', { const: 'x' }, { enum: ['x'], type: 'string' }],
    ['a nullable type becomes nullable', { type: ['string', 'null'] }, { type: 'string', nullable: true }],
    ['a union of types loses its type', { type: ['string', 'integer'] }, {}],
    [
      'examples become the first example',
      { type: 'string', examples: ['a', 'b'] },
      { type: 'string', example: 'a' },
    ],
    [
      'a numeric exclusiveMinimum becomes a flagged minimum',
      { type: 'number', exclusiveMinimum: 0 },
      { type: 'number', minimum: 0, exclusiveMinimum: true },
    ],
    [
      'a stricter inclusive bound beside an exclusive one wins',
      { type: 'integer', minimum: 5, exclusiveMaximum: 10, exclusiveMinimum: 1 },
      { type: 'integer', minimum: 5, maximum: 10, exclusiveMaximum: true },
    ],
    [
      'keywords 3.0 does not know are dropped',
      {
        type: 'object',
        $comment: 'c',
        propertyNames: { pattern: '^a' },
        dependentRequired: { a: ['b'] },
        unevaluatedProperties: false,
        contentEncoding: 'base64',
        contentMediaType: 'application/x-pem-file',
        patternErrorMessage: 'm',
        'x-steward-columns': [],
        'x-durationRange': { minimum: '1h' },
      },
      { type: 'object' },
    ],
    [
      'if/then branches of an allOf are dropped, and the allOf with them',
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      { type: 'object', allOf: [{ if: { required: ['a'] }, then: { required: ['b'] } }] },
      { type: 'object' },
    ],
    [
      'oneOf of required lists stays',
      { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] },
      { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] },
    ],
    [
      'a scalar of common.json is inlined, the field refining it',
      { $ref: 'common.json#/$defs/duration', description: 'How long.', examples: ['1h'] },
      {
        description: 'How long.',
        type: 'string',
        pattern: '^([0-9]+(ms|s|m|h|d))+$',
        example: '1h',
      },
    ],
    [
      'an object of common.json stays a component, its description kept beside it through allOf',
      { $ref: 'common.json#/$defs/objectReference', description: 'The parent.' },
      {
        allOf: [{ $ref: '#/components/schemas/dev.steward.v1.common.objectReference' }],
        description: 'The parent.',
      },
    ],
    [
      'an object of common.json referenced alone is a plain $ref',
      { type: 'array', items: { $ref: 'common.json#/$defs/condition' } },
      { type: 'array', items: { $ref: '#/components/schemas/dev.steward.v1.common.condition' } },
    ],
  ])('%s', (_name, source, expected) => {
    expect(widgetSpec(source)).toEqual(expected);
  });

  it('gives every common object reached a component of its own, down-converted too', () => {
    const built = widgetDocument({
      $ref: 'common.json#/$defs/envelope',
      properties: {
        spec: { type: 'object', properties: { ref: { $ref: 'common.json#/$defs/objectReference' } } },
      },
    });
    const components = (built.components as { schemas: Record<string, Schema> }).schemas;
    expect(components['dev.steward.v1.common.objectReference']).toMatchObject({
      type: 'object',
      required: ['name'],
      properties: { name: expect.objectContaining({ type: 'string', maxLength: 63 }) },
    });
    expect(components['dev.steward.v1.common.objectReference']).not.toHaveProperty('examples');
  });
});

describe('GET /openapi/v3', () => {
  it('names the group document by its path, the hash making its URL change with it', () => {
    expect(kubeOpenApiIndex('ab12')).toEqual({
      paths: { 'apis/steward.dev/v1': { serverRelativeURL: '/openapi/v3/apis/steward.dev/v1?hash=ab12' } },
    });
  });
});
