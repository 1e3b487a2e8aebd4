import { Link, useSearchParams } from 'react-router';
import { CopyButton, ErrorBox, Loading } from '../../components/ui';
import { ChangesDiff } from './ChangesDiff';
import { Actor, EntryTime, ResultBadge, ShortHash } from './format';
import { changesetLink, entryLink } from './links';
import { useJournalEntry } from './queries';
import type { JournalEntry } from './types';

/** The selected entry (`?seq=`): its changes, where it sits in the hash chain, who and what. */
export function EntryDetail({ seq, known }: { seq: number; known: JournalEntry | undefined }) {
  const [search] = useSearchParams();
  const entry = useJournalEntry(seq, known);
  const close = new URLSearchParams(search);
  close.delete('seq');
  return (
    <section className="journal-detail" aria-labelledby="journal-detail-title">
      <header className="journal-detail-header">
        <h2 id="journal-detail-title">Entry {seq}</h2>
        <Link to={`/journal?${close}`} aria-label="Close entry detail">
          Close
        </Link>
      </header>
      <ErrorBox error={entry.error} />
      {entry.isPending && <Loading what={`entry ${seq}`} />}
      {entry.data === null && <p role="alert">No entry {seq} (pruned, or never written).</p>}
      {entry.data && <EntryBody entry={entry.data} search={search} />}
    </section>
  );
}

function EntryBody({ entry, search }: { entry: JournalEntry; search: URLSearchParams }) {
  return (
    <>
      <p>
        <strong>{entry.operation}</strong> {entry.kind && `${entry.kind}/${entry.name ?? ''}`}{' '}
        <ResultBadge result={entry.result} />
        {entry.generation !== null && <span className="muted"> generation {entry.generation}</span>}
      </p>
      {entry.reason && <p className="muted">{entry.reason}</p>}
      <h3>Changes</h3>
      <ChangesDiff changes={entry.changes} />
      <h3>Chain position</h3>
      <dl className="journal-facts" aria-label="Chain position">
        <dt>Seq</dt>
        <dd>{entry.seq}</dd>
        <dt>Previous</dt>
        <dd>
          {entry.seq > 1 ? (
            <Link to={entryLink(search, entry.seq - 1)} aria-label={`Previous entry ${entry.seq - 1}`}>
              entry {entry.seq - 1}
            </Link>
          ) : (
            <span className="muted">genesis</span>
          )}
        </dd>
        <dt>prevHash</dt>
        <dd>
          <ShortHash hash={entry.prevHash} /> <CopyButton text={entry.prevHash} label="Copy prevHash" />
        </dd>
        <dt>Hash</dt>
        <dd>
          <ShortHash hash={entry.hash} /> <CopyButton text={entry.hash} label="Copy hash" />
        </dd>
      </dl>
      <h3>Context</h3>
      <dl className="journal-facts" aria-label="Entry context">
        <dt>Time</dt>
        <dd>
          <EntryTime time={entry.time} />
        </dd>
        <dt>Actor</dt>
        <dd>
          <Actor actor={entry.actor} />
        </dd>
        <dt>Request id</dt>
        <dd>
          <code>{entry.requestId}</code>
        </dd>
        <dt>Source</dt>
        <dd>{entry.source ?? <span className="muted">—</span>}</dd>
        <dt>Changeset</dt>
        <dd>
          {entry.changeset ? (
            <Link to={changesetLink(search, entry.changeset)} aria-label="Entries of this changeset">
              <code>{entry.changeset}</code>
            </Link>
          ) : (
            <span className="muted">—</span>
          )}
        </dd>
      </dl>
    </>
  );
}
