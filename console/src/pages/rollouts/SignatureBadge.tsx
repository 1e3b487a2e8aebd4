import type { Artifact } from './types';

/**
 * The server's verdict on an artifact's signature: its reconciler verifies it against the spec
 * and the tenant's key and says so in Ready (controllers/artifact.ts: Signed, Unsigned, SignatureInvalid).
 */
export function SignatureBadge({ artifact }: { artifact: Artifact }) {
  const ready = artifact.status?.conditions?.find((condition) => condition.type === 'Ready');
  const keyId = artifact.status?.signature?.keyId;
  if (ready?.reason === 'Signed')
    return <span className="badge ok">{`verified, key ${keyId ? shortKey(keyId) : '?'}`}</span>;
  if (ready?.reason === 'Unsigned') return <span className="badge bad">unsigned</span>;
  if (ready?.reason === 'SignatureInvalid') return <span className="badge bad">signature invalid</span>;
  return <span className="badge warn">{ready?.reason ?? 'not checked yet'}</span>;
}

/** `sha256:3f2a9c0d…`: enough of a key id to tell keys apart in a table. */
export function shortKey(keyId: string): string {
  return keyId.length > 16 ? `${keyId.slice(0, 15)}…` : keyId;
}
