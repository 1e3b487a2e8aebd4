/**
 * Server-side apply's conflicts as the apiserver words them (managed-fields.ts finds them), and
 * kubectl's advice after one. Pure.
 */
import type { FieldPath } from './managed-fields-encoding.js';
import type { ManagedFieldsEntry } from './model.js';

/** A leaf another manager owns that an apply would change or remove. */
export interface FieldConflict {
  manager: string;
  operation: ManagedFieldsEntry['operation'];
  apiVersion: string;
  path: FieldPath;
}

/** A path as Kubernetes prints a field: `.spec.identity.keyAlgorithm`, `.metadata.labels.app`. */
export function fieldOf(path: FieldPath): string {
  return path.map((segment) => `.${segment}`).join('');
}

/** A manager as Kubernetes' conflict message names it: an Update entry with its apiVersion. */
function managerOf(conflict: FieldConflict): string {
  const name = JSON.stringify(conflict.manager);
  return conflict.operation === 'Update' ? `${name} using ${conflict.apiVersion}` : name;
}

/**
 * kubectl's advice after a conflict. kubectl appends it to the server's message itself, so the
 * facade must not send it (kubectl would print it twice); Steward's own clients may show it.
 */
export const CONFLICT_ADVICE = [
  'Please review the fields above--they currently have other managers. Here are the ways you can resolve this warning:',
  '* If you intend to manage all of these fields, please re-run the apply command with the `--force-conflicts` flag.',
  '* If you do not intend to manage all of the fields, please edit your manifest to remove references to the fields that should keep their current managers.',
  "* You may co-own fields by updating your manifest to match the existing value; in this case, you'll become the manager if the other manager(s) stop managing the field (remove it from their configuration).",
].join('\n');

/**
 * The apiserver's conflict message, as Kubernetes words it: one conflict on one line, several
 * grouped by manager (sorted), one `- .field` line each. `causes` are Kubernetes StatusCauses, whose
 * type travels as `reason` on the wire. `advice` is CONFLICT_ADVICE. Pure.
 */
export function conflictMessage(conflicts: FieldConflict[]): {
  message: string;
  advice: string;
  causes: Array<{ reason: 'FieldManagerConflict'; message: string; field: string }>;
} {
  const causes = conflicts.map((conflict) => ({
    reason: 'FieldManagerConflict' as const,
    message: `conflict with ${managerOf(conflict)}`,
    field: fieldOf(conflict.path),
  }));
  if (conflicts.length === 1) {
    const [only] = conflicts;
    const message = `Apply failed with 1 conflict: conflict with ${managerOf(only)}: ${fieldOf(only.path)}`;
    return { message, advice: CONFLICT_ADVICE, causes };
  }
  const byManager = new Map<string, string[]>();
  for (const conflict of conflicts) {
    const manager = managerOf(conflict);
    const lines = byManager.get(manager) ?? [];
    lines.push(`- ${fieldOf(conflict.path)}`);
    byManager.set(manager, lines);
  }
  const lines = [...byManager.keys()]
    .sort()
    .flatMap((manager) => [`conflicts with ${manager}:`, ...(byManager.get(manager) as string[])]);
  const message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return { message, advice: CONFLICT_ADVICE, causes };
}
