/** Discovery (`GET /api/v1`): the kinds a server serves and how to print them. Wire types only. */

/**
 * One column of `steward get` for a kind, as Kubernetes' `additionalPrinterColumns`. Declared by
 * the kind's schema (`x-steward-columns`).
 */
export interface PrinterColumn {
  /** The header, upper case (`NOT AFTER`). */
  name: string;
  /** Where the cell's value is: `.spec.platform`, `.status.notAfter` (dotted fields only). */
  jsonPath: string;
  /**
   * Renders `value/N`, N being the length of the array (or the number) at this path: a Rollout's
   * WAVE `2/3` is `.status.currentWave` out of `.spec.strategy.waves`.
   */
  outOf?: string;
  /** 0 (default): always shown; 1: only with `-o wide`. */
  priority?: 0 | 1;
  /** Shown when the value is absent: the default the server fills in, for specs stored before it. */
  default?: string;
  description?: string;
}

/** One kind as discovery describes it. */
export interface ApiResource {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  versions: string[];
  /** Its printer columns (of its newest version). */
  columns: PrinterColumn[];
}

export interface ApiResourceList {
  apiVersion: string;
  kind: 'APIResourceList';
  resources: ApiResource[];
}

/**
 * Every name a kind answers to, lower-cased: Kind, plural, singular and short names, as kubectl
 * resolves them. The server's routes and the CLI's arguments resolve with the same list. Pure.
 */
export function kindAliases(kind: {
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
}): string[] {
  return [kind.kind, kind.plural, kind.singular, ...kind.shortNames].map((name) => name.toLowerCase());
}
