import { type FormEvent, useEffect, useState } from 'react';
import { FILTER_NAMES, type FilterName, type Filters } from './filters';

const LABELS: Record<FilterName, { label: string; placeholder: string }> = {
  actor: { label: 'Actor', placeholder: 'id or name' },
  kind: { label: 'Kind', placeholder: 'Device' },
  name: { label: 'Name', placeholder: 'dev-0001' },
  operation: { label: 'Operation', placeholder: 'apply' },
  result: { label: 'Result', placeholder: 'created' },
  changeset: { label: 'Changeset', placeholder: 'changeset id' },
  since: { label: 'Since', placeholder: '1h or 2026-12-01T00:00:00Z' },
  until: { label: 'Until', placeholder: '30m or RFC 3339 time' },
};

/**
 * The filter form: a draft edited freely, applied (to the URL) by Enter or the Filter button, so
 * typing does not fire a query per key. The draft follows the URL when it changes (back, a link).
 */
export function FilterForm({ filters, onApply }: { filters: Filters; onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const current = JSON.stringify(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: resync only when the URL's filters change
  useEffect(() => setDraft(filters), [current]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  const any = Object.keys(filters).length > 0;
  return (
    <form className="filters journal-filters" onSubmit={submit} aria-label="Filter journal entries">
      {FILTER_NAMES.map((name) => (
        <label key={name}>
          {LABELS[name].label}
          <input
            name={name}
            value={draft[name] ?? ''}
            placeholder={LABELS[name].placeholder}
            onChange={(event) => setDraft((before) => ({ ...before, [name]: event.target.value }))}
            size={name === 'since' || name === 'until' || name === 'changeset' ? 18 : 12}
          />
        </label>
      ))}
      <button type="submit" className="primary">
        Filter
      </button>
      {any && (
        <button type="button" onClick={() => onApply({})}>
          Clear filters
        </button>
      )}
    </form>
  );
}
