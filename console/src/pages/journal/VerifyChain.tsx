import { useMutation } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { ErrorBox } from '../../components/ui';
import { entryLink } from './links';
import type { VerifyResult } from './types';

/** "Verify chain": recomputes every hash on the server, and says OK with the count or where it broke. */
export function VerifyChain() {
  const [search] = useSearchParams();
  const verify = useMutation({ mutationFn: () => api<VerifyResult>('GET', '/journal/verify') });
  const result = verify.data;
  return (
    <div className="journal-verify">
      <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
        {verify.isPending ? 'Verifying…' : 'Verify chain'}
      </button>
      <ErrorBox error={verify.error} />
      {result && (
        <output aria-label="Chain verification" className={result.ok ? 'notice' : 'error'}>
          {result.ok ? (
            <>
              <strong>Chain OK</strong>: {result.checked.toLocaleString('en')} entries verified.{' '}
              {result.message}
            </>
          ) : (
            <>
              <strong>Chain BROKEN</strong> after {result.checked.toLocaleString('en')} intact entries:{' '}
              {result.message}
              {result.firstBrokenSeq !== undefined && (
                <>
                  {' '}
                  First broken entry:{' '}
                  <Link to={entryLink(search, result.firstBrokenSeq)}>{result.firstBrokenSeq}</Link>
                </>
              )}
            </>
          )}
        </output>
      )}
    </div>
  );
}
