import { KINDS } from '../../src/kinds.js';
import { ManifestValidator } from '../../src/schema/validator.js';

/** One validator for a whole test file: construction compiles every schema. */
export const validator = new ManifestValidator(KINDS);

/** The first `examples` manifest of a kind's schema: the schema carries its own valid fixtures. */
export function exampleOf(kind: string): Record<string, unknown> {
  const schema = validator.schemaFor(kind, 'v1') as { examples?: Record<string, unknown>[] };
  const [example] = schema.examples ?? [];
  if (!example) throw new Error(`the schema of ${kind} has no examples`);
  return structuredClone(example);
}

/**
 * A valid manifest of `kind`, with `spec` fields merged over the spec of its schema's first
 * example (the minimal one: tests change one thing at a time).
 */
export function manifest(
  kind: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = { name: 'test-1' },
): Record<string, unknown> {
  const example = exampleOf(kind) as { spec: Record<string, unknown> };
  return { apiVersion: 'steward.dev/v1', kind, metadata, spec: { ...example.spec, ...spec } };
}

/** The problems of a document as `pointer: message` lines, the shape assertions read best in. */
export function problemsOf(document: unknown): string[] {
  return validator.validate(document).problems.map((problem) => `${problem.pointer}: ${problem.message}`);
}
