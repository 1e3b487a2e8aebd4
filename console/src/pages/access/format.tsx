/** How the Access pages show times: the minute in UTC, the exact value in a tooltip. */
export function When({ value, empty = '—' }: { value?: string | null; empty?: string }) {
  if (!value) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={value} title={value}>
      {value.slice(0, 16).replace('T', ' ')} UTC
    </time>
  );
}
