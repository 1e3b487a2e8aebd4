import { isApiError } from '../../api/client';

interface PlacedCause {
  document?: number;
  pointer?: string;
  line?: number;
  column?: number;
}

/**
 * Where in the pasted text each problem is: the server reports YAML causes with their line and
 * column (counted in the whole stream), which the shared error box does not show.
 */
export function ProblemLines({ error }: { error: unknown }) {
  if (!isApiError(error)) return null;
  const causes = ((error.body.details?.causes ?? []) as PlacedCause[]).filter((cause) => cause.line);
  if (causes.length === 0) return null;
  return (
    <ul className="muted" aria-label="Problem positions">
      {causes.map((cause) => (
        <li key={`${cause.document}:${cause.pointer}:${cause.line}:${cause.column}`}>
          line {cause.line}, column {cause.column ?? 1}: document {cause.document}{' '}
          <code>{cause.pointer || '/'}</code>
        </li>
      ))}
    </ul>
  );
}
