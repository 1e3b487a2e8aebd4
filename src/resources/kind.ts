import type { Controller } from '../engine/controller.js';

/** What the server knows about a kind: its names (for routes and the CLI) and its versions. */
export interface KindNames {
  /** PascalCase, as in manifests. */
  kind: string;
  /** Lower-case plural, as in routes: /api/v1/{plural}. */
  plural: string;
  /** Lower-case singular, accepted by the CLI. */
  singular: string;
  /** Short aliases accepted by the CLI (`ca`, `dev`, `ro`). */
  shortNames: string[];
  /** Served versions of the steward.dev group; the schema of each is schemas/{version}/{singular}.json. */
  versions: string[];
  /** Its reconciler (controllers/<kind>.ts); start-up fails when a kind has none. */
  controller?: Controller;
}

export function kindNames(kind: string, plural: string, shortNames: string[], versions = ['v1']): KindNames {
  return { kind, plural, singular: kind.toLowerCase(), shortNames, versions };
}
