/**
 * The console's small shared pieces: an error box that shows the server's message (a 403 names
 * the permission), a loading line, a confirmation dialog naming what it confirms, a copy button.
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../api/client';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = isApiError(error)
    ? `${error.status} ${error.body.reason}: ${error.body.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  const causes = isApiError(error) ? (error.body.details?.causes ?? []) : [];
  return (
    <div role="alert" className="error">
      <p>{message}</p>
      {causes.length > 0 && (
        <ul>
          {causes.map((cause, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: causes have no identity but their order
            <li key={index}>
              {cause.document !== undefined ? `document ${cause.document} ` : ''}
              {cause.pointer ? <code>{cause.pointer}</code> : null} {cause.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/**
 * A modal confirmation (the native <dialog>: focus trapped, Escape cancels). `title` names the
 * action and its object, e.g. "Abort rollout edge-2-4-1?".
 */
export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: {
  title: string;
  body?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={onCancel} className="confirm">
      <h2 id={titleId}>{title}</h2>
      {body}
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Copies text to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(text);
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

/** A page's title and its actions. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Steward`;
  }, [title]);
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children && <div className="actions">{children}</div>}
    </header>
  );
}
