import { jsonText } from './format';
import type { FieldChange } from './types';

/**
 * An entry's field-level changes as a diff: one row per JSON pointer, the old value struck in red
 * and the new one in green (a value absent on one side is said, not coloured).
 */
export function ChangesDiff({ changes }: { changes: FieldChange[] }) {
  if (changes.length === 0) return <p className="muted">No field-level changes recorded.</p>;
  return (
    <table className="journal-diff" aria-label="Field changes">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Old</th>
          <th scope="col">New</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.pointer}>
            <th scope="row">
              <code>{change.pointer || '/'}</code>
            </th>
            <td className={change.old === undefined ? 'muted' : 'diff-old'}>
              {change.old !== undefined && <span className="sr-only">removed: </span>}
              <code>{jsonText(change.old)}</code>
            </td>
            <td className={change.new === undefined ? 'muted' : 'diff-new'}>
              {change.new !== undefined && <span className="sr-only">added: </span>}
              <code>{jsonText(change.new)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
