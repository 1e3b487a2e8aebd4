import { CopyButton } from '../../components/ui';
import type { ApiKeyWithSecret } from './types';

/**
 * A key's plaintext, shown once: it lives only in this component's state (never in the query
 * cache, never in the URL), so a reload or leaving the page loses it, as the server keeps only its hash.
 */
export function NewKeySecret({ created, onDone }: { created: ApiKeyWithSecret; onDone: () => void }) {
  return (
    <section className="notice" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key {created.name} — copy it now</h2>
      <p>
        This is the only time the key is shown: Steward stores only its hash. Keep it in your secret store.
      </p>
      <div className="access-secret">
        <input aria-label="New API key" readOnly size={created.key.length} value={created.key} />
        <CopyButton text={created.key} label="Copy key" />
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
