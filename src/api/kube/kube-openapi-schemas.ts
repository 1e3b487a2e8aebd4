import { API_GROUP } from '../../contract/resource.js';
import type { KindNames } from '../../resources/kind.js';
import type { KindSchemaSource } from '../openapi/kind-schemas.js';
import {
  described,
  ENVELOPE_REF,
  gvk,
  META,
  PREFIX,
  ref,
  type Schema,
  VERSION,
} from './kube-openapi-names.js';

/* The kinds' JSON Schemas (draft 2020-12) down-converted to OpenAPI 3.0, as kubectl reads them. */

// ---------------------------------------------------------------------------------------------
// JSON Schema 2020-12 → OpenAPI 3.0 schemas

/** The Schema Object keywords of OpenAPI 3.0 kept as they are; every keyword not here nor converted is dropped. */
const OPENAPI_30_KEYWORDS = new Set(
  [
    'title description type format nullable enum default example readOnly writeOnly deprecated required',
    'multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern',
    'maxItems minItems uniqueItems maxProperties minProperties',
  ]
    .join(' ')
    .split(' '),
);

/** One schema file: its `#/$defs/X` become the components `<prefix>X`. */
interface SchemaFile {
  schema: Schema;
  prefix: string;
}

/** The fields of status every kind shares (src/contract/resource.ts ResourceStatus), merged into each kind's own. */
const STATUS_FIELDS: Schema = {
  observedGeneration: {
    description:
      'The metadata.generation the reconciler last acted on: status is current when they are equal.',
    type: 'integer',
    minimum: 0,
  },
  observedChangeset: {
    description:
      'The changeset of the apply that set observedGeneration (`steward journal --changeset` lists it).',
    type: 'string',
  },
  conditions: {
    description: 'The conditions of the resource; every kind reports `Ready`.',
    type: 'array',
    items: { $ref: 'common.json#/$defs/condition' },
  },
};

/** A `$def` resolved: where it lives and what it is. */
interface Definition {
  file: SchemaFile;
  name: string;
  schema: Schema;
}

/**
 * Converts the kinds' schemas. A `$ref` to a kind's own `$defs` or to a scalar of common.json is
 * inlined: kubectl explain then shows each field with one description, as for Kubernetes' own
 * nested objects. The objects of common.json (objectReference, labelSelector, condition, …) become
 * components shared by every kind, which kubectl explain follows through `allOf`.
 */
export class SchemaConverter {
  private readonly files = new Map<string, SchemaFile>();
  private readonly common: SchemaFile;
  private readonly reached = new Map<string, Schema>();
  private readonly pending: Definition[] = [];
  /** The `$defs` being inlined, outermost first: one met again is recursive and becomes a component. */
  private readonly inlining: string[] = [];

  constructor(kinds: readonly KindNames[], source: KindSchemaSource) {
    this.common = { schema: source.commonSchema(VERSION) as Schema, prefix: `${PREFIX}common.` };
    this.files.set('common.json', this.common);
    for (const kind of kinds)
      this.files.set(`${kind.singular}.json`, {
        schema: source.schemaFor(kind.kind, VERSION) as Schema,
        prefix: `${PREFIX}${kind.kind}.`,
      });
  }

  /**
   * A kind's manifest: its schema with the envelope's properties merged in (a kind's property with
   * a `$ref` replaces the envelope's; one without refines it), metadata as Kubernetes' ObjectMeta and
   * status as the kind's `$defs/status` plus the fields every kind's status has.
   */
  kindSchema(kind: KindNames): Schema {
    const file = this.files.get(`${kind.singular}.json`) as SchemaFile;
    const { $ref, properties, required, ...rest } = file.schema;
    if ($ref !== ENVELOPE_REF)
      throw new Error(
        `schema of ${kind.kind}: expected "$ref": "${ENVELOPE_REF}", found ${JSON.stringify($ref)}`,
      );
    const envelope = this.defOf(this.common, 'envelope') as Schema;
    const merged: Record<string, Schema> = { ...(envelope.properties as Record<string, Schema>) };
    for (const [name, property] of Object.entries((properties ?? {}) as Record<string, Schema>))
      merged[name] = property.$ref !== undefined ? property : { ...merged[name], ...property };

    const commonStatus = this.defOf(this.common, 'status') ?? {};
    const ownStatus = this.defOf(file, 'status') ?? commonStatus;
    const converted: Schema = {};
    for (const [name, property] of Object.entries(merged)) {
      if (name === 'apiVersion')
        converted[name] = {
          description: `${String(property.description)} Always \`${API_GROUP}/${VERSION}\`.`,
          type: 'string',
        };
      else if (name === 'kind')
        converted[name] = {
          description: `${String(property.description)} Here: \`${kind.kind}\`.`,
          type: 'string',
        };
      else if (name === 'metadata')
        converted[name] = described(
          ref(`${META}ObjectMeta`),
          'Standard object metadata: name, labels, annotations and the fields the server sets.',
        );
      else if (name === 'status')
        converted[name] = this.convert(
          {
            ...ownStatus,
            description: commonStatus.description,
            properties: { ...STATUS_FIELDS, ...(ownStatus.properties as Schema | undefined) },
          },
          file,
        );
      else converted[name] = this.convert(property, file);
    }
    return {
      ...this.convert(rest, file),
      type: 'object',
      required: [
        ...new Set([...(envelope.required as string[]), ...((required as string[] | undefined) ?? [])]),
      ],
      properties: converted,
      'x-kubernetes-group-version-kind': [gvk(kind.kind)],
    };
  }

  /** The components of the common objects reached so far, and of those they reach in turn. */
  definitions(): Record<string, Schema> {
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift())
      this.reached.set(next.name, this.convert(next.schema, next.file));
    return Object.fromEntries(this.reached);
  }

  private defOf(file: SchemaFile, name: string): Schema | undefined {
    return ((file.schema.$defs ?? {}) as Record<string, Schema | undefined>)[name];
  }

  /** A 2020-12 schema of `file` as an OpenAPI 3.0 schema. Pure apart from queueing the components it reaches. */
  private convert(value: unknown, file: SchemaFile): Schema {
    if (typeof value === 'boolean') return value ? {} : { not: {} };
    const schema = value as Schema;
    const out: Schema = {};
    for (const [key, child] of Object.entries(schema)) {
      if (key === 'const') out.enum = [child];
      else if (key === 'examples') {
        if (Array.isArray(child) && child.length > 0) out.example = child[0];
      } else if (key === 'type') Object.assign(out, nullableType(child));
      else if (key === 'properties')
        out.properties = Object.fromEntries(
          Object.entries(child as Schema).map(([name, property]) => [name, this.convert(property, file)]),
        );
      else if (key === 'items' || key === 'not') out[key] = this.convert(child, file);
      else if (key === 'additionalProperties')
        out[key] = typeof child === 'boolean' ? child : this.convert(child, file);
      else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
        // Branches that only held dropped keywords (if/then, x-…) are left out, and so is an empty list.
        const branches = (child as unknown[])
          .map((branch) => this.convert(branch, file))
          .filter((branch) => Object.keys(branch).length > 0);
        if (branches.length > 0) out[key] = branches;
      } else if (OPENAPI_30_KEYWORDS.has(key)) out[key] = child;
    }
    exclusiveBound(
      out,
      schema,
      'minimum',
      'exclusiveMinimum',
      (inclusive, exclusive) => inclusive > exclusive,
    );
    exclusiveBound(
      out,
      schema,
      'maximum',
      'exclusiveMaximum',
      (inclusive, exclusive) => inclusive < exclusive,
    );
    if (out.type === undefined && Array.isArray(out.enum)) Object.assign(out, enumType(out.enum));
    return typeof schema.$ref === 'string' ? this.withRef(schema.$ref, out, file) : out;
  }

  /** A `$ref` and the keywords beside it (already converted), which refine the target. */
  private withRef(target: string, siblings: Schema, from: SchemaFile): Schema {
    const definition = this.resolve(target, from);
    const { allOf, ...rest } = siblings;
    const extraAllOf = (allOf as Schema[] | undefined) ?? [];
    if (definition.file === this.common && definition.name === 'objectMeta')
      return { allOf: [ref(`${META}ObjectMeta`), ...extraAllOf], ...rest };
    const component = `${definition.file.prefix}${definition.name}`;
    const inline =
      (definition.file !== this.common || !isObject(definition.schema)) && !this.inlining.includes(component);
    if (inline) {
      this.inlining.push(component);
      const inlined = this.convert(definition.schema, definition.file);
      this.inlining.pop();
      const allOfs = [...((inlined.allOf as Schema[] | undefined) ?? []), ...extraAllOf];
      return { ...inlined, ...rest, ...(allOfs.length > 0 ? { allOf: allOfs } : {}) };
    }
    if (!this.reached.has(component)) {
      this.reached.set(component, {});
      this.pending.push({ ...definition, name: component });
    }
    // OpenAPI 3.0 ignores a $ref's siblings: Kubernetes wraps the $ref in allOf to keep them.
    if (Object.keys(siblings).length === 0) return ref(component);
    return { allOf: [ref(component), ...extraAllOf], ...rest };
  }

  private resolve(target: string, from: SchemaFile): Definition {
    const hash = target.indexOf('#');
    const fileName = hash < 0 ? target : target.slice(0, hash);
    const file = fileName === '' ? from : this.files.get(fileName.slice(fileName.lastIndexOf('/') + 1));
    const name = /^#\/\$defs\/([^/]+)$/.exec(hash < 0 ? '' : target.slice(hash))?.[1];
    const schema = file === undefined || name === undefined ? undefined : this.defOf(file, name);
    if (schema === undefined)
      throw new Error(
        `cannot map $ref "${target}" into the OpenAPI document (one $def of a schema file is expected)`,
      );
    return { file: file as SchemaFile, name: name as string, schema };
  }
}

/** An object schema (a component when common), as opposed to a scalar or an array (always inlined). */
function isObject(schema: Schema): boolean {
  return schema.properties !== undefined || schema.type === 'object';
}

/** `type: [T, 'null']` → `type: T, nullable: true`; a union of several types has no 3.0 `type`. */
function nullableType(type: unknown): Schema {
  if (!Array.isArray(type)) return { type };
  const types = type.filter((name) => name !== 'null');
  return {
    ...(types.length === 1 ? { type: types[0] } : {}),
    ...(types.length < type.length ? { nullable: true } : {}),
  };
}

/** The `type` of an `enum` given without one, when its values share a type: kubectl explain shows it. */
function enumType(values: readonly unknown[]): Schema {
  const types = new Set(
    values.map((value) => (Number.isInteger(value) ? 'integer' : value === null ? 'null' : typeof value)),
  );
  const [type] = types;
  return types.size === 1 && ['string', 'boolean', 'integer', 'number'].includes(String(type))
    ? { type }
    : {};
}

/** 2020-12's numeric `exclusiveMinimum: n` → 3.0's `minimum: n, exclusiveMinimum: true`, unless an inclusive bound beside it is stricter. */
function exclusiveBound(
  out: Schema,
  schema: Schema,
  inclusiveKey: string,
  exclusiveKey: string,
  stricter: (inclusive: number, exclusive: number) => boolean,
): void {
  const exclusive = schema[exclusiveKey];
  if (typeof exclusive !== 'number') return;
  const inclusive = schema[inclusiveKey];
  if (typeof inclusive === 'number' && stricter(inclusive, exclusive)) delete out[exclusiveKey];
  else {
    out[inclusiveKey] = exclusive;
    out[exclusiveKey] = true;
  }
}
