import type { FieldChange } from './field-diff';

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A document's field changes: pointer, live value, submitted value. */
export function FieldDiffTable({ changes, label }: { changes: FieldChange[]; label: string }) {
  if (changes.length === 0)
    return (
      <p className="muted">No field of labels, annotations or spec differs (metadata elsewhere does).</p>
    );
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Change</th>
          <th scope="col">Live</th>
          <th scope="col">Submitted</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.pointer}>
            <td>
              <code>{change.pointer}</code>
            </td>
            <td>{change.change}</td>
            <td className="diff-old">{'before' in change ? <code>{shown(change.before)}</code> : null}</td>
            <td className="diff-new">{'after' in change ? <code>{shown(change.after)}</code> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
