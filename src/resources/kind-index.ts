import { kindAliases } from '../contract/discovery.js';
import { type FieldProblem, NotFoundError } from '../errors.js';
import type { KindNames } from './kind.js';

/** Finds a kind by any of its names: Kind, plural, singular or short name (case-insensitive). */
export class KindIndex {
  private readonly byName = new Map<string, KindNames>();
  private readonly byKindName = new Map<string, KindNames>();

  constructor(readonly all: readonly KindNames[]) {
    for (const kind of all) {
      this.byKindName.set(kind.kind, kind);
      for (const name of kindAliases(kind)) this.byName.set(name, kind);
    }
  }

  /** The kind of a manifest's `kind` field (exact PascalCase). */
  byKind(kind: string): KindNames {
    const found = this.byKindName.get(kind);
    if (!found)
      throw new NotFoundError(
        `unknown kind "${kind}" (known kinds: ${this.all.map((k) => k.kind).join(', ')})`,
      );
    return found;
  }

  /** The kind of a route segment or CLI argument. */
  resolve(name: string): KindNames {
    const found = this.byName.get(name.toLowerCase());
    if (!found)
      throw new NotFoundError(
        `unknown resource type "${name}" (known: ${this.all.map((k) => k.plural).join(', ')})`,
      );
    return found;
  }

  has(kind: string): boolean {
    return this.byKindName.has(kind);
  }
}

/** Reads kind and metadata.name of a document that only names a resource (delete by manifest). Pure. */
export function referenceOf(
  value: unknown,
  index: number,
  kinds: KindIndex,
): { ok: true; kind: string; name: string } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const document = value as { kind?: unknown; metadata?: { name?: unknown } } | null;
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, problems: [{ document: index, pointer: '', message: 'must be a manifest object' }] };
  }
  if (typeof document.kind !== 'string' || !kinds.has(document.kind)) {
    problems.push({
      document: index,
      pointer: '/kind',
      message: `unknown kind ${JSON.stringify(document.kind)} (known kinds: ${kinds.all.map((k) => k.kind).join(', ')})`,
    });
  }
  if (typeof document.metadata?.name !== 'string' || document.metadata.name === '') {
    problems.push({ document: index, pointer: '/metadata/name', message: 'missing required field "name"' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, kind: document.kind as string, name: document.metadata?.name as string };
}
