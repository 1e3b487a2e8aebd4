import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useAuth } from '../../auth';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { ApplyResults } from './ApplyResults';
import { applyYaml, dryRun } from './dry-run';
import { ProblemLines } from './ProblemLines';
import { useKinds } from './useKinds';

/**
 * `/apply`: paste or upload YAML, dry-run it (per-document results and field diffs), then apply
 * exactly the text that was dry-run — an edit after the dry run asks for another.
 */
export function ApplyPage() {
  const { can } = useAuth();
  const client = useQueryClient();
  const kinds = useKinds();
  const [text, setText] = useState('');
  const all = kinds.data?.resources ?? [];
  const check = useMutation({ mutationFn: (yaml: string) => dryRun(yaml, all) });
  const apply = useMutation({
    mutationFn: (yaml: string) => applyYaml(yaml, false),
    // Every list and resource page may now be stale.
    onSuccess: () => client.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'me' }),
  });
  const mayWrite = all.some((kind) => can(`${kind.plural}:write`));
  const checked = check.data && check.data.text === text && !check.isPending;
  const edit = (value: string) => {
    setText(value);
    apply.reset();
  };
  return (
    <>
      <PageHeader title="Apply manifests" />
      <p className="muted">
        Multi-document YAML, as <code>steward apply -f</code> takes it. Atomic: if any document is invalid or
        conflicts, nothing is written.
      </p>
      {kinds.isPending && <Loading what="the kinds" />}
      <ErrorBox error={kinds.error} />
      {!mayWrite && kinds.data && (
        <p className="notice">
          Your credential may not write any kind: you can read manifests here, not apply them.
        </p>
      )}
      <label className="manifests-block">
        Manifests (YAML)
        <textarea
          rows={16}
          spellCheck={false}
          value={text}
          onChange={(event) => edit(event.target.value)}
          placeholder={'apiVersion: steward.dev/v1\nkind: Device\nmetadata:\n  name: …'}
        />
      </label>
      <div className="toolbar">
        <label>
          Upload YAML file
          <input
            type="file"
            accept=".yaml,.yml,application/yaml,text/yaml"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (file) edit(await file.text());
            }}
          />
        </label>
        {mayWrite && (
          <>
            <button
              type="button"
              disabled={!text.trim() || check.isPending}
              onClick={() => check.mutate(text)}
            >
              Dry run
            </button>
            <button
              type="button"
              className="primary"
              disabled={!checked || Boolean(check.error) || apply.isPending}
              title={checked ? undefined : 'Dry-run this text first'}
              onClick={() => apply.mutate(text)}
            >
              Apply
            </button>
          </>
        )}
      </div>
      {check.data && !checked && (
        <p className="warn">The text changed since the dry run: dry-run it again.</p>
      )}
      <ErrorBox error={check.error ?? apply.error} />
      <ProblemLines error={check.error ?? apply.error} />
      {apply.data ? (
        <ApplyResults title="Applied" answer={apply.data} kinds={all} />
      ) : (
        check.data &&
        checked && (
          <ApplyResults title="Dry run" answer={check.data.answer} diffs={check.data.diffs} kinds={all} />
        )
      )}
    </>
  );
}
