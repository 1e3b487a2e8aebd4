import { useState } from 'react';
import { download } from '../../api/client';
import { Can } from '../../auth';
import { ErrorBox } from '../../components/ui';
import type { Filters } from './filters';

/** NDJSON and CSV exports of what the filters select (journal:export; hidden without it). */
export function ExportButtons({ filters }: { filters: Filters }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const save = async (format: 'ndjson' | 'csv') => {
    setBusy(format);
    setError(undefined);
    try {
      await download('/journal/export', { ...filters, format }, `journal.${format}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };
  const filtered = Object.keys(filters).length > 0 ? ' (filtered)' : '';
  return (
    <Can permission="journal:export">
      <button type="button" disabled={busy !== undefined} onClick={() => void save('ndjson')}>
        Export NDJSON{filtered}
      </button>
      <button type="button" disabled={busy !== undefined} onClick={() => void save('csv')}>
        Export CSV{filtered}
      </button>
      <ErrorBox error={error} />
    </Can>
  );
}
