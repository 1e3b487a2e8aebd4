import type { AnyController } from '../engine/controller.js';

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
}

export function kindNames(kind: string, plural: string, shortNames: string[], versions = ['v1']): KindNames {
  return { kind, plural, singular: kind.toLowerCase(), shortNames, versions };
}

/**
 * A registry line: a kind's names and the factory of its reconciler, given the services the
 * composition root built (`Deps`). Called once per process, by the composition root only.
 */
export interface KindDefinition<Deps = unknown> extends KindNames {
  controller(deps: Deps): AnyController;
}

/** Writes a registry line (src/kinds.ts; tests add theirs through ComposeOptions.extraKinds). Pure. */
export function defineKind<Deps>(line: {
  kind: string;
  plural: string;
  shortNames: string[];
  versions?: string[];
  controller: (deps: Deps) => AnyController;
}): KindDefinition<Deps> {
  return {
    ...kindNames(line.kind, line.plural, line.shortNames, line.versions),
    controller: line.controller,
  };
}
