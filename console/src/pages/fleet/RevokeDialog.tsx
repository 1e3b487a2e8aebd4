import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { ConfirmDialog, ErrorBox } from '../../components/ui';
import { seg } from './queries';
import type { IssuedCertificate } from './types';

/** The RFC 5280 reasons the API accepts (revocation-service.ts); `removeFromCRL` means nothing here. */
const REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/**
 * Confirms the revocation of one certificate with a reason. It stays open on a refusal, showing
 * the server's message, and closes once the CRL is republished with the certificate on it.
 */
export function RevokeDialog({
  ca,
  certificate,
  onClose,
}: {
  ca: string;
  certificate: IssuedCertificate;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [reason, setReason] = useState<(typeof REASONS)[number]>('unspecified');
  const revoke = useMutation({
    mutationFn: () =>
      api('POST', `/certificateauthorities/${seg(ca)}/revoke`, {
        body: { serial: certificate.serial, reason },
      }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['certificateauthorities'] });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      title={`Revoke certificate ${certificate.serial}?`}
      body={
        <>
          <p>
            {certificate.subject}, issued by {ca}. Relying parties refuse it once they fetch the new CRL; this
            cannot be undone.
          </p>
          <label>
            Reason
            <select value={reason} onChange={(event) => setReason(event.target.value as typeof reason)}>
              {REASONS.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
          <ErrorBox error={revoke.error} />
        </>
      }
      confirmLabel={revoke.isPending ? 'Revoking…' : 'Revoke'}
      danger
      onCancel={onClose}
      onConfirm={() => revoke.mutate()}
    />
  );
}
