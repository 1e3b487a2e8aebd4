import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { CopyButton, ErrorBox, Loading } from '../../components/ui';
import type { OidcSetup } from './types';

/** The ready-to-paste GitHub Actions workflow for an OIDC policy (`steward trustpolicy snippet`). */
export function WorkflowSnippet({ policy }: { policy: string }) {
  const setup = useQuery({
    queryKey: ['oidc-snippet', policy],
    queryFn: () => api<OidcSetup>('GET', '/auth/oidc', { query: { policy } }),
  });
  return (
    <section className="panel" aria-labelledby="snippet-title">
      <h2 id="snippet-title">Workflow snippet</h2>
      <ErrorBox error={setup.error} />
      {setup.isPending && <Loading what="the workflow snippet" />}
      {setup.data && (
        <>
          <p>
            Audience <code>{setup.data.audience}</code>, token URL <code>{setup.data.tokenUrl}</code>.{' '}
            <CopyButton text={setup.data.snippet} label="Copy snippet" />
          </p>
          <figure className="access-figure" aria-label="GitHub Actions workflow">
            <pre>{setup.data.snippet}</pre>
          </figure>
        </>
      )}
    </section>
  );
}
