import { useState } from 'react';
import { download } from '../../api/client';
import { ErrorBox } from '../../components/ui';

/** Saves an API answer as a file (in the content type the server gives it); shows a refusal. */
export function SaveButton({
  path,
  filename,
  children,
}: {
  path: string;
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
            await download(path, {}, filename);
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
