import { Link, useSearchParams } from 'react-router';
import { Actor, EntryTime, ResultBadge } from './format';
import { changesetLink, entryLink } from './links';
import type { JournalEntry } from './types';

/** The entries as rows, newest first; a row's seq opens its detail (kept in the URL). */
export function JournalTable({ entries, caption }: { entries: JournalEntry[]; caption: string }) {
  const [search] = useSearchParams();
  const selected = Number(search.get('seq'));
  return (
    <table className="journal-table">
      <caption className="journal-caption">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Seq</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Actor</th>
          <th scope="col">Operation</th>
          <th scope="col">Kind/name</th>
          <th scope="col">Result</th>
          <th scope="col">Changeset</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr
            key={entry.seq}
            className={entry.seq === selected ? 'selected' : undefined}
            data-seq={entry.seq}
          >
            <td>
              <Link
                to={entryLink(search, entry.seq)}
                aria-label={`Entry ${entry.seq}`}
                aria-current={entry.seq === selected ? 'true' : undefined}
              >
                {entry.seq}
              </Link>
            </td>
            <td>
              <EntryTime time={entry.time} />
            </td>
            <td>
              <Actor actor={entry.actor} />
            </td>
            <td>{entry.operation}</td>
            <td>{entry.kind ? `${entry.kind}/${entry.name ?? ''}` : <span className="muted">—</span>}</td>
            <td>
              <ResultBadge result={entry.result} />
            </td>
            <td>
              {entry.changeset ? (
                <Link
                  to={changesetLink(search, entry.changeset)}
                  title={entry.changeset}
                  aria-label={`Filter by changeset ${entry.changeset}`}
                  className="mono"
                >
                  {entry.changeset.slice(0, 8)}
                </Link>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
