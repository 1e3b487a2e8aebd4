import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../errors.js';
import { packagePath } from '../package-root.js';
import type { KindNames } from '../resources/kind.js';

/** The shared definitions of a version live in `schemas/{version}/common.json`. */
export const COMMON_SCHEMA_FILE = 'common.json';

/** A parsed JSON Schema document (never mutated after loading: it is frozen). */
export type SchemaDocument = Readonly<Record<string, unknown>>;

/** Every schema of one schema directory, checked against the registry of kinds. */
export interface SchemaSet {
  /** `common.json` of each version, by version. */
  common: Map<string, SchemaDocument>;
  /** The schema of each kind and version, by `schemaKey(kind, version)`. */
  kinds: Map<string, SchemaDocument>;
}

export function schemaKey(kind: string, version: string): string {
  return `${kind}/${version}`;
}

/**
 * The `schemas/` folder of the package, the same from src/ and from the compiled dist/src/.
 *
 * @throws ConfigError when the package has no schemas/ directory.
 */
export function defaultSchemaDir(): string {
  const dir = packagePath('schemas');
  if (!existsSync(dir)) throw new ConfigError(`cannot find the schemas/ directory: ${dir} does not exist`);
  return dir;
}

/**
 * Reads every schema under `schemaDir` (synchronously: this runs once, at start-up) and checks
 * that the files and the registry agree: each kind has `{version}/{singular}.json` for each of its
 * versions and declares `kind` const equal to its name; each version has a `common.json`; no file
 * is left without a kind. Returned documents are deep-frozen so callers can share them.
 *
 * @throws ConfigError naming the kind or file at the first disagreement or unreadable file.
 */
export function loadSchemaSet(kinds: readonly KindNames[], schemaDir: string): SchemaSet {
  const versions = new Set(kinds.flatMap((kind) => kind.versions));
  if (existsSync(schemaDir)) {
    for (const entry of readdirSync(schemaDir, { withFileTypes: true })) {
      if (entry.isDirectory() && /^v[0-9]/.test(entry.name)) versions.add(entry.name);
    }
  }
  const set: SchemaSet = { common: new Map(), kinds: new Map() };
  for (const version of versions) {
    const dir = join(schemaDir, version);
    set.common.set(version, readSchema(schemaDir, join(dir, COMMON_SCHEMA_FILE), 'the shared definitions'));
    const expected = new Set([COMMON_SCHEMA_FILE]);
    for (const kind of kinds.filter((k) => k.versions.includes(version))) {
      const file = join(dir, `${kind.singular}.json`);
      expected.add(`${kind.singular}.json`);
      const schema = readSchema(schemaDir, file, `kind ${kind.kind} ${version}`);
      const declared = declaredKind(schema);
      if (declared !== kind.kind) {
        throw new ConfigError(
          `schema ${relative(schemaDir, file)} declares kind ${JSON.stringify(declared)}, but the registry expects ${kind.kind}`,
        );
      }
      set.kinds.set(schemaKey(kind.kind, version), schema);
    }
    const orphans = existsSync(dir)
      ? readdirSync(dir).filter((name) => name.endsWith('.json') && !expected.has(name))
      : [];
    if (orphans.length > 0) {
      throw new ConfigError(
        `schema file ${orphans.map((name) => join(version, name)).join(', ')} has no kind in the registry ` +
          `(a kind is a schema, a reconciler and a registry line: add the line or remove the file)`,
      );
    }
  }
  return set;
}

function readSchema(schemaDir: string, file: string, what: string): SchemaDocument {
  const shown = relative(schemaDir, file);
  if (!existsSync(file))
    throw new ConfigError(`no schema file for ${what}: expected ${shown} in ${schemaDir}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`schema ${shown} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`schema ${shown} is not a JSON object`);
  }
  if (typeof (parsed as Record<string, unknown>).$id !== 'string') {
    throw new ConfigError(`schema ${shown} has no $id (kind schemas $ref common.json by it)`);
  }
  return deepFreeze(parsed as Record<string, unknown>);
}

/** The `kind` a schema accepts: its `properties.kind.const`. */
function declaredKind(schema: SchemaDocument): unknown {
  const properties = schema.properties as Record<string, { const?: unknown }> | undefined;
  return properties?.kind?.const;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
