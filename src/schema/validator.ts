import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { ConfigError, type FieldProblem, NotFoundError } from '../errors.js';
import type { KindNames } from '../resources/kind.js';
import { API_GROUP, type Manifest } from '../resources/model.js';
import type { PrinterColumn } from '../contract/discovery.js';
import { addStewardKeywords } from './keywords.js';
import { printerColumnsOf } from './printer-columns.js';
import { type SchemaProblem, translateErrors } from './problems.js';
import {
  COMMON_SCHEMA_FILE,
  defaultSchemaDir,
  loadSchemaSet,
  type SchemaDocument,
  schemaKey,
} from './schema-files.js';

// ajv-formats is CommonJS: depending on the loader its default export is the plugin or the module.
const addFormats: FormatsPlugin =
  (formatsModule as unknown as { default?: FormatsPlugin }).default ??
  (formatsModule as unknown as FormatsPlugin);

/** The outcome of validating one document: problems are expected input, so they are a value, not a throw. */
export interface ValidationResult {
  ok: boolean;
  /** When ok: a copy of the document with every schema default filled in. */
  manifest?: Manifest;
  /** Every problem of the document (empty when ok). */
  problems: FieldProblem[];
}

const API_VERSION = /^steward\.dev\/(v[0-9]+[a-z0-9]*)$/;

/**
 * Validates manifests against the JSON Schemas of `schemas/` (the single source for validation,
 * OpenAPI and editors). Construction reads and compiles every schema once, and fails fast if the
 * registry and the schema files disagree; after that, `validate` is synchronous, pure apart from
 * filling defaults into its own copy, and safe to share.
 */
export class ManifestValidator {
  private readonly kinds = new Map<string, KindNames>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly schemas: Map<string, SchemaDocument>;
  private readonly commonSchemas: Map<string, SchemaDocument>;
  private readonly metadataValidator: ValidateFunction | undefined;

  /**
   * @param kinds the registry (src/kinds.ts KINDS).
   * @param schemaDir the folder holding `{version}/{singular}.json`; default: the project's schemas/.
   * @throws ConfigError naming the kind or file when a kind has no schema file, a schema file has
   *   no kind, a schema declares another kind, or a schema does not compile.
   */
  constructor(kinds: readonly KindNames[], schemaDir: string = defaultSchemaDir()) {
    const set = loadSchemaSet(kinds, schemaDir);
    this.schemas = set.kinds;
    this.commonSchemas = set.common;
    for (const kind of kinds) this.kinds.set(kind.kind, kind);

    // verbose: errors carry their schema, where the errorMessage/patternErrorMessage live.
    // strictRequired is off: rules in oneOf/anyOf/if branches name properties the enclosing schema declares.
    const ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      strictRequired: false,
      useDefaults: true,
      verbose: true,
    });
    addFormats(ajv);
    addStewardKeywords(ajv);
    for (const schema of [...set.common.values(), ...set.kinds.values()]) {
      try {
        ajv.addSchema(schema);
      } catch (cause) {
        throw new ConfigError(`schema ${String(schema.$id)} is invalid: ${(cause as Error).message}`, {
          cause,
        });
      }
    }
    for (const [key, schema] of set.kinds) this.validators.set(key, compile(ajv, String(schema.$id)));
    // For documents whose kind or version is unknown: their metadata can still be checked.
    const [latest] = [...set.common.entries()].sort(([a], [b]) =>
      b.localeCompare(a, 'en', { numeric: true }),
    );
    this.metadataValidator =
      latest === undefined ? undefined : ajv.compile({ $ref: `${String(latest[1].$id)}#/$defs/objectMeta` });
  }

  /**
   * Validates one document: first the envelope (an object; apiVersion `steward.dev/<version>`; a
   * known kind; a version served for it), then the kind's schema and its rules. Reports every
   * problem at once, each with `document` (when given), a JSON pointer and a message.
   *
   * Never mutates `document`: defaults are applied to a deep copy, returned as `manifest` when ok.
   */
  validate(document: unknown, documentIndex?: number): ValidationResult {
    const problems: SchemaProblem[] = [];
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      problems.push({ pointer: '', message: `a manifest must be an object, not ${describe(document)}` });
      return this.result(problems, documentIndex);
    }
    const fields = document as Record<string, unknown>;
    const version = this.checkEnvelope(fields, problems);
    if (version === undefined) {
      this.checkMetadataAndSpec(fields, problems);
      return this.result(problems, documentIndex);
    }
    let copy: Record<string, unknown>;
    try {
      copy = structuredClone(fields);
    } catch {
      problems.push({ pointer: '', message: 'a manifest must hold only JSON data' });
      return this.result(problems, documentIndex);
    }
    const validate = this.validators.get(schemaKey(String(fields.kind), version)) as ValidateFunction;
    if (!validate(copy)) problems.push(...translateErrors(validate.errors ?? []));
    return this.result(problems, documentIndex, copy as unknown as Manifest);
  }

  /**
   * The raw JSON Schema of a kind and version, as loaded (frozen; it `$ref`s `common.json` of its
   * version, see `commonSchema`).
   *
   * @throws NotFoundError when the kind or version has no schema.
   */
  schemaFor(kind: string, version: string): object {
    const schema = this.schemas.get(schemaKey(kind, version));
    if (schema === undefined) throw new NotFoundError(`no schema for kind ${kind} ${version}`);
    return schema;
  }

  /**
   * The printer columns (`x-steward-columns`) of a kind's newest version, for discovery; none for
   * an unknown kind. Pure.
   */
  printerColumns(kind: string): PrinterColumn[] {
    const versions = this.kinds.get(kind)?.versions ?? [];
    const [newest] = [...versions].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    const schema = newest === undefined ? undefined : this.schemas.get(schemaKey(kind, newest));
    return schema === undefined ? [] : printerColumnsOf(schema);
  }

  /**
   * The shared definitions (`common.json`) of a version, which every kind schema of it references.
   *
   * @throws NotFoundError when the version has no schemas.
   */
  commonSchema(version: string): object {
    const schema = this.commonSchemas.get(version);
    if (schema === undefined) throw new NotFoundError(`no ${COMMON_SCHEMA_FILE} for version ${version}`);
    return schema;
  }

  /** Checks apiVersion and kind; returns the version to validate with, or undefined if there is none. */
  private checkEnvelope(fields: Record<string, unknown>, problems: SchemaProblem[]): string | undefined {
    // The kind is looked up first (to say which versions it serves) but reported after apiVersion,
    // in the order the fields are written.
    const kindProblems: SchemaProblem[] = [];
    const kind = this.kindOf(fields.kind, kindProblems);
    const version = this.checkApiVersion(fields.apiVersion, kind, problems);
    problems.push(...kindProblems);
    return kindProblems.length === 0 ? version : undefined;
  }

  private checkApiVersion(
    apiVersion: unknown,
    kind: KindNames | undefined,
    problems: SchemaProblem[],
  ): string | undefined {
    const served = servedList(
      kind ? kind.versions : [...new Set([...this.kinds.values()].flatMap((k) => k.versions))],
    );
    if (apiVersion === undefined) {
      problems.push({
        pointer: '/apiVersion',
        message: `missing required field "apiVersion" (served: ${served})`,
      });
      return undefined;
    }
    const match = typeof apiVersion === 'string' ? API_VERSION.exec(apiVersion) : null;
    if (match === null) {
      problems.push({
        pointer: '/apiVersion',
        message: `must be "${API_GROUP}/<version>" (served: ${served}), not ${JSON.stringify(apiVersion)}`,
      });
      return undefined;
    }
    if (kind === undefined) return undefined;
    const version = match[1] as string;
    if (!kind.versions.includes(version)) {
      problems.push({
        pointer: '/apiVersion',
        message: `${kind.kind} is not served as ${API_GROUP}/${version} (served: ${served})`,
      });
      return undefined;
    }
    return version;
  }

  private kindOf(kind: unknown, problems: SchemaProblem[]): KindNames | undefined {
    const known = [...this.kinds.keys()].sort().join(', ');
    if (kind === undefined) {
      problems.push({ pointer: '/kind', message: `missing required field "kind" (known kinds: ${known})` });
      return undefined;
    }
    const found = typeof kind === 'string' ? this.kinds.get(kind) : undefined;
    if (found === undefined) {
      problems.push({
        pointer: '/kind',
        message: `unknown kind ${JSON.stringify(kind)} (known kinds: ${known})`,
      });
    }
    return found;
  }

  /** When the kind's schema cannot be chosen, still report what is wrong with the rest of the envelope. */
  private checkMetadataAndSpec(fields: Record<string, unknown>, problems: SchemaProblem[]): void {
    if (fields.metadata === undefined) {
      problems.push({ pointer: '/metadata', message: 'missing required field "metadata"' });
    } else if (this.metadataValidator && !this.metadataValidator(fields.metadata)) {
      for (const problem of translateErrors(this.metadataValidator.errors ?? [])) {
        problems.push({ pointer: `/metadata${problem.pointer}`, message: problem.message });
      }
    }
    if (fields.spec === undefined)
      problems.push({ pointer: '/spec', message: 'missing required field "spec"' });
  }

  private result(problems: SchemaProblem[], documentIndex?: number, manifest?: Manifest): ValidationResult {
    const withDocument: FieldProblem[] = problems.map((problem) =>
      documentIndex === undefined ? { ...problem } : { document: documentIndex, ...problem },
    );
    return problems.length === 0 && manifest !== undefined
      ? { ok: true, manifest, problems: [] }
      : { ok: false, problems: withDocument };
  }
}

/** Compiles one loaded schema now, so a broken schema fails start-up rather than the first apply. */
function compile(ajv: Ajv2020, id: string): ValidateFunction {
  try {
    return ajv.getSchema(id) as ValidateFunction;
  } catch (cause) {
    throw new ConfigError(`schema ${id} does not compile: ${(cause as Error).message}`, { cause });
  }
}

function servedList(versions: readonly string[]): string {
  return versions.map((version) => `${API_GROUP}/${version}`).join(', ');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
