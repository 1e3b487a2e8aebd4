import type { KindNames } from '../../resources/kind.js';

/** A JSON Schema (draft 2020-12, which OpenAPI 3.1 uses as is) as a plain object. */
export type JsonSchema = Record<string, unknown>;

export const JSON_TYPE = 'application/json';

/** Where the kinds' schemas come from: the validator that compiled them (src/schema/validator.ts). */
export interface KindSchemaSource {
  schemaFor(kind: string, version: string): object;
  commonSchema(version: string): object;
}

/** The component of a kind's manifest, e.g. `v1.Device`. */
export function kindComponent(kind: string, version: string): string {
  return `${version}.${kind}`;
}

/** The component of a `<Kind>List`, e.g. `v1.DeviceList`. */
export function listComponent(kind: string, version: string): string {
  return `${version}.${kind}List`;
}

/** A `$ref` to a component of the document. */
export function ref(component: string): JsonSchema {
  return { $ref: `#/components/schemas/${component}` };
}

/** One schema file being mapped: what its local `#/$defs/...` and its file name stand for. */
interface SchemaFile {
  version: string;
  /** The component of the whole file (undefined for common.json, which is only a set of $defs). */
  component: string | undefined;
  /** Prefix of the components of its `$defs`: `v1.common.` or `v1.Device.`. */
  defsPrefix: string;
}

/**
 * The kinds' JSON Schemas as OpenAPI components, with every `$ref` rewritten to point inside the
 * document: a file's `$defs` become components of their own (`v1.common.objectMeta`,
 * `v1.Device.spec`), `$id` and `$schema` are dropped. Readers of the document (Swagger UI, client
 * generators) then never resolve a `$ref` against `https://steward.dev/schemas/...`, which would
 * be a remote fetch. Pure; built once at start.
 *
 * @throws Error naming the `$ref` when one points elsewhere than a whole kind file or one `$def`
 *   (a schema change the mapping must learn, caught by the OpenAPI test rather than a reader).
 */
export function kindSchemaComponents(
  kinds: readonly KindNames[],
  source: KindSchemaSource,
): Record<string, JsonSchema> {
  const components: Record<string, JsonSchema> = {};
  for (const version of [...new Set(kinds.flatMap((kind) => kind.versions))].sort()) {
    const served = kinds.filter((kind) => kind.versions.includes(version));
    const files = new Map<string, SchemaFile>([
      ['common.json', { version, component: undefined, defsPrefix: `${version}.common.` }],
    ]);
    for (const kind of served)
      files.set(`${kind.singular}.json`, {
        version,
        component: kindComponent(kind.kind, version),
        defsPrefix: `${kindComponent(kind.kind, version)}.`,
      });
    addFile(components, source.commonSchema(version) as JsonSchema, 'common.json', files);
    for (const kind of served)
      addFile(components, source.schemaFor(kind.kind, version) as JsonSchema, `${kind.singular}.json`, files);
  }
  return components;
}

/**
 * A standalone JSON Schema given beside a route (a request body's schema with its own `$id` and
 * `$defs`) added as the component `name`, its `$defs` as `name.<def>`: left inline, its
 * `#/$defs/...` would resolve against the OpenAPI document's root, and its `$id` would make
 * readers resolve against a remote address. A schema with neither is answered as is; otherwise
 * the `$ref` to the new component.
 *
 * @throws Error naming the `$ref` when one points at another file.
 */
export function embedSchema(
  components: Record<string, JsonSchema>,
  name: string,
  schema: JsonSchema,
): JsonSchema {
  if (schema.$id === undefined && schema.$defs === undefined) return schema;
  const self: SchemaFile = { version: '', component: name, defsPrefix: `${name}.` };
  const files = new Map([[name, self]]);
  if (typeof schema.$id === 'string') files.set(schema.$id, self);
  addFile(components, schema, name, files);
  return ref(name);
}

function addFile(
  components: Record<string, JsonSchema>,
  schema: JsonSchema,
  fileName: string,
  files: Map<string, SchemaFile>,
): void {
  const file = files.get(fileName) as SchemaFile;
  const { $id: _id, $schema: _schema, $defs, ...rest } = schema;
  const rewrite = (value: unknown) => rewriteRefs(value, fileName, files);
  for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, unknown>))
    components[`${file.defsPrefix}${name}`] = rewrite(definition) as JsonSchema;
  if (file.component !== undefined) components[file.component] = rewrite(rest) as JsonSchema;
}

/** A deep copy of `value` with every `$ref` pointing at a component. Pure. */
function rewriteRefs(value: unknown, fileName: string, files: Map<string, SchemaFile>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, fileName, files));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value))
    copy[key] =
      key === '$ref' && typeof child === 'string'
        ? componentRef(child, fileName, files)
        : rewriteRefs(child, fileName, files);
  return copy;
}

function componentRef(target: string, fileName: string, files: Map<string, SchemaFile>): string {
  const hash = target.indexOf('#');
  const targetFile = hash < 0 ? target : target.slice(0, hash) || fileName;
  const pointer = hash < 0 ? '' : target.slice(hash + 1);
  const file = files.get(targetFile);
  const def = /^\/\$defs\/([^/]+)$/.exec(pointer)?.[1];
  if (file !== undefined && def !== undefined) return `#/components/schemas/${file.defsPrefix}${def}`;
  if (file?.component !== undefined && (pointer === '' || pointer === '/'))
    return `#/components/schemas/${file.component}`;
  throw new Error(
    `schema ${fileName}: cannot map $ref "${target}" into the OpenAPI document (a whole kind file or one of a file's $defs is expected)`,
  );
}
