import { useState } from 'react';
import { download, type Query } from '../api/client';
import { ErrorBox } from './ui';

/** A button that saves an API answer as a file, and shows the server's refusal when there is one. */
export function DownloadButton({
  path,
  query = {},
  filename,
  children,
}: {
  path: string;
  query?: Query;
  filename: string;
  children: string;
}) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await download(path, query, filename);
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        {children}
      </button>
      <ErrorBox error={error} />
    </>
  );
}
