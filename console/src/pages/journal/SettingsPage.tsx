import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import type { JournalSettings } from './types';
import './journal.css';

/**
 * `/settings`: the journal's retention (days kept; entries older are pruned, never the head) and
 * read journaling. Only holders of journal:admin see the page in the navigation and may save; the
 * change is itself journaled by the server.
 */
export function SettingsPage() {
  const { can } = useAuth();
  const client = useQueryClient();
  const settings = useQuery({
    queryKey: ['journal', 'settings'],
    queryFn: () => api<JournalSettings>('GET', '/journal/settings'),
  });
  const [retentionDays, setRetentionDays] = useState('');
  const [readJournaling, setReadJournaling] = useState<JournalSettings['readJournaling']>('none');
  useEffect(() => {
    if (!settings.data) return;
    setRetentionDays(String(settings.data.retentionDays));
    setReadJournaling(settings.data.readJournaling);
  }, [settings.data]);
  const save = useMutation({
    mutationFn: (body: JournalSettings) => api<JournalSettings>('PUT', '/journal/settings', { body }),
    onSuccess: (saved) => client.setQueryData(['journal', 'settings'], saved),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ retentionDays: Number(retentionDays), readJournaling });
  };
  if (!can('journal:admin')) return <p role="alert">Journal settings need the journal:admin permission.</p>;
  return (
    <>
      <PageHeader title="Journal retention" />
      <ErrorBox error={settings.error} />
      {settings.isPending && <Loading what="journal settings" />}
      {settings.data && (
        // noValidate: the server checks the values and names the field it refuses (shown below).
        <form
          className="journal-settings"
          onSubmit={submit}
          aria-label="Journal retention settings"
          noValidate
        >
          <label>
            Retention (days)
            <input
              name="retentionDays"
              type="number"
              min={1}
              max={36500}
              required
              value={retentionDays}
              onChange={(event) => setRetentionDays(event.target.value)}
            />
          </label>
          <p className="muted">
            Entries older than this are pruned hourly; the chain stays verifiable from a checkpoint.
          </p>
          <label>
            Read journaling
            <select
              name="readJournaling"
              value={readJournaling}
              onChange={(event) => setReadJournaling(event.target.value as JournalSettings['readJournaling'])}
            >
              <option value="none">none — only changes are journaled</option>
              <option value="metadata">metadata — every read of a resource is journaled</option>
            </select>
          </label>
          <div>
            <button type="submit" className="primary" disabled={save.isPending}>
              Save settings
            </button>
          </div>
          <ErrorBox error={save.error} />
          {save.isSuccess && (
            <p className="notice" role="status">
              Saved: entries are kept {save.data.retentionDays} days.
            </p>
          )}
        </form>
      )}
    </>
  );
}
