import { useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { Pager, usePaging } from '../fleet/paging';
import { EntryDetail } from './EntryDetail';
import { ExportButtons } from './ExportButtons';
import { FilterForm } from './FilterForm';
import { type Filters, filtersKey, readFilters, withFilters } from './filters';
import { JournalTable } from './JournalTable';
import { LiveToggle } from './LiveToggle';
import { useJournalPage } from './queries';
import { useLiveEntries } from './useLiveEntries';
import { VerifyChain } from './VerifyChain';
import './journal.css';

/**
 * `/journal`: every operation of the tenant, newest first, filtered by the URL's query (a view is
 * a link), paged with the API's continue tokens (a page at a time, never the whole journal), live
 * with `?live=1`, and the selected entry (`?seq=`) beside the table.
 */
export function JournalPage() {
  const [search, setSearch] = useSearchParams();
  const filters = readFilters(search);
  const key = filtersKey(filters);
  // One object per distinct filter set: the query key, the live stream's matcher and the export
  // see a new object only when a filter changed, not on every render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the filters' text on purpose
  const stableFilters = useMemo<Filters>(() => filters, [key]);
  const live = search.get('live') === '1';
  const seqText = search.get('seq');
  const seq = seqText && /^\d+$/.test(seqText) ? Number(seqText) : undefined;
  const paging = usePaging();
  const { reset } = paging;
  // biome-ignore lint/correctness/useExhaustiveDependencies: new filters invalidate the continue tokens
  useEffect(() => reset(), [key]);
  const page = useJournalPage(stableFilters, paging.token);
  const liveEntries = useLiveEntries(live, stableFilters);
  const entries = useMemo(() => {
    const items = page.data?.items ?? [];
    if (paging.page > 1 || liveEntries.shown.length === 0) return items;
    const newest = items[0]?.seq ?? 0;
    return [...liveEntries.shown.filter((entry) => entry.seq > newest), ...items];
  }, [page.data, paging.page, liveEntries.shown]);
  const known = entries.find((entry) => entry.seq === seq);
  const apply = (next: Filters) => setSearch(withFilters(search, next));
  const setLive = (on: boolean) => {
    const next = new URLSearchParams(search);
    if (on) next.set('live', '1');
    else next.delete('live');
    setSearch(next, { replace: true });
  };
  const caption = `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${
    Object.keys(filters).length ? ' matching the filters' : ''
  }, page ${paging.page}${page.data?.metadata.continue ? ', more on the next' : ''}`;
  return (
    <>
      <PageHeader title="Journal">
        <LiveToggle live={live} state={liveEntries.state} onChange={setLive} />
        <ExportButtons filters={stableFilters} />
      </PageHeader>
      <FilterForm filters={filters} onApply={apply} />
      <VerifyChain />
      {live && liveEntries.pending > 0 && (
        <button type="button" className="journal-new primary" onClick={liveEntries.reveal}>
          {liveEntries.pending} new entr{liveEntries.pending === 1 ? 'y' : 'ies'} — show
        </button>
      )}
      <ErrorBox error={page.error} />
      <div className={seq === undefined ? 'journal-layout' : 'journal-layout with-detail'}>
        <div className="journal-main">
          {page.isPending && <Loading what="journal entries" />}
          {page.data && (
            <>
              <JournalTable entries={entries} caption={caption} />
              {entries.length === 0 && <p className="muted">No entries match.</p>}
              <Pager paging={paging} nextToken={page.data.metadata.continue} label="journal entries" />
            </>
          )}
        </div>
        {seq !== undefined && <EntryDetail key={seq} seq={seq} known={known} />}
      </div>
    </>
  );
}
