/**
 * Signed journal heads and retention checkpoints: the pure decisions that make a journal hard to
 * rewrite quietly, shared by the server and the CLI (like journal-verify.ts, this file imports
 * nothing; the crypto is passed in).
 *
 * - A checkpoint (where a pruned chain starts) is trusted only when a later, chained
 *   `journal.prune` entry vouches for it (same seq and hash) and the retention it records allowed
 *   pruning that far: a checkpoint row written into the database by hand vouches for nothing.
 * - A signed head is {tenant, seq, hash, time} in canonical JSON, signed with the tenant's Ed25519
 *   journal key (sealed under the master key on the server, so database access alone cannot sign).
 *   A verifier that remembers an earlier signed head checks that the new one extends it.
 */

const DAY_MS = 86_400_000;

/** What a `journal.prune` entry records in its changes (pointer `/checkpoint`). */
export interface PruneCheckpoint {
  /** Seq and hash of the last pruned entry. */
  seq: number;
  hash: string;
  /** Time of the last pruned entry. */
  time: string;
  /** The retention in force when it was pruned. */
  retentionDays: number;
}

/** A `journal.prune` entry's claim: its own seq and time, and the checkpoint it vouches for. */
export interface PruneClaim {
  entrySeq: number;
  entryTime: string;
  checkpoint: PruneCheckpoint;
  /**
   * Written by a release before checkpoints were carried: only the seq is known (from the reason
   * text, which the entry's hash covers). That is enough: the first remaining entry's prevHash,
   * itself chained, fixes the checkpoint's hash; the retention cannot be checked.
   */
  legacy?: boolean;
}

/** The reason earlier releases wrote on journal.prune entries. */
const LEGACY_REASON = /^pruned \d+ entries up to seq (\d+), older than (\d+) days /;

/** The pointer of the change that carries a prune's checkpoint. */
export const PRUNE_CHECKPOINT_POINTER = '/checkpoint';

/** The claim of an entry when it is a `journal.prune` entry carrying a checkpoint. Pure. */
export function pruneClaimOf(entry: {
  seq: number;
  time: string;
  operation?: string;
  reason?: unknown;
  changes?: unknown;
}): PruneClaim | undefined {
  if (entry.operation !== 'journal.prune') return undefined;
  const changes = Array.isArray(entry.changes)
    ? (entry.changes as Array<{ pointer?: unknown; new?: unknown }>)
    : [];
  const change = changes.find((candidate) => candidate?.pointer === PRUNE_CHECKPOINT_POINTER);
  const legacy = change ? null : LEGACY_REASON.exec(typeof entry.reason === 'string' ? entry.reason : '');
  if (legacy)
    return {
      entrySeq: entry.seq,
      entryTime: entry.time,
      checkpoint: { seq: Number(legacy[1]), hash: '', time: '', retentionDays: Number(legacy[2]) },
      legacy: true,
    };
  const value = change?.new as Partial<PruneCheckpoint> | undefined;
  if (
    !value ||
    typeof value.seq !== 'number' ||
    typeof value.hash !== 'string' ||
    typeof value.time !== 'string' ||
    typeof value.retentionDays !== 'number'
  )
    return undefined;
  return {
    entrySeq: entry.seq,
    entryTime: entry.time,
    checkpoint: { seq: value.seq, hash: value.hash, time: value.time, retentionDays: value.retentionDays },
  };
}

/**
 * Whether the chain vouches for the checkpoint it starts from: `claim` is the last `journal.prune`
 * entry of the (otherwise verified) chain. Undefined when it does; else what is wrong. Pure.
 */
export function checkpointProblem(
  checkpoint: { seq: number; hash: string },
  claim: PruneClaim | undefined,
): string | undefined {
  if (!claim)
    return `the checkpoint at seq ${checkpoint.seq} is vouched for by no journal.prune entry after it (a checkpoint the journal did not write)`;
  const vouched = claim.checkpoint;
  if (claim.legacy)
    return vouched.seq === checkpoint.seq
      ? undefined
      : `the checkpoint at seq ${checkpoint.seq} is not the one the journal.prune entry at seq ${claim.entrySeq} records (seq ${vouched.seq}): the checkpoint was altered`;
  if (vouched.seq !== checkpoint.seq || vouched.hash !== checkpoint.hash)
    return `the checkpoint (seq ${checkpoint.seq}, hash ${short(checkpoint.hash)}) is not the one the journal.prune entry at seq ${claim.entrySeq} records (seq ${vouched.seq}, hash ${short(vouched.hash)}): the checkpoint was altered`;
  const allowedUntil = Date.parse(claim.entryTime) - vouched.retentionDays * DAY_MS;
  const prunedTime = Date.parse(vouched.time);
  if (!(prunedTime < allowedUntil))
    return `the journal.prune entry at seq ${claim.entrySeq} pruned up to seq ${vouched.seq}, dated ${vouched.time}, which its retention of ${vouched.retentionDays} days kept until ${new Date(allowedUntil).toISOString()} (pruned beyond retention)`;
  return undefined;
}

/** A head the server vouched for. `time` is when it was signed. */
export interface SignedHead {
  kind: 'JournalSignedHead';
  tenant: string;
  seq: number;
  hash: string;
  time: string;
  /** Id of the signing key: the first 16 hex digits of the SHA-256 of its SPKI PEM. */
  keyId: string;
  /** Ed25519 signature of signedHeadPayload, base64url. */
  signature: string;
  /** SPKI PEM of the key, for convenience: trust comes from comparing it with a key kept elsewhere. */
  publicKey: string;
}

/** What checking a signature takes; passed in because src/contract imports nothing. */
export interface HeadCrypto {
  sha256Hex(text: string): string;
  canonicalJson(value: unknown): string;
  /** Ed25519 verification of `payload` (UTF-8) against a base64url signature; false on any malformation. */
  verifyEd25519(publicKeyPem: string, payload: string, signature: string): boolean;
}

/** The signed text of a head: canonical JSON of tenant, seq, hash and time. Pure. */
export function signedHeadPayload(
  head: { tenant: string; seq: number; hash: string; time: string },
  canonicalJson: (value: unknown) => string,
): string {
  return canonicalJson({ tenant: head.tenant, seq: head.seq, hash: head.hash, time: head.time });
}

/** The id of a public key (SPKI PEM). Pure. */
export function publicKeyId(publicKeyPem: string, sha256Hex: (text: string) => string): string {
  return sha256Hex(publicKeyPem.trim()).slice(0, 16);
}

/**
 * Checks a signed head: shape, tenant, that its key is the trusted one (`publicKey`, e.g. kept
 * from earlier or given with --public-key; else the key the head carries) and its signature.
 * Undefined when it holds; else what is wrong. Pure.
 */
export function signedHeadProblem(
  signed: unknown,
  expected: { tenant: string; publicKey?: string },
  crypto: HeadCrypto,
): string | undefined {
  const head = signed as Partial<SignedHead> | null | undefined;
  if (
    !head ||
    typeof head !== 'object' ||
    typeof head.tenant !== 'string' ||
    typeof head.seq !== 'number' ||
    typeof head.hash !== 'string' ||
    typeof head.time !== 'string' ||
    typeof head.keyId !== 'string' ||
    typeof head.signature !== 'string' ||
    typeof head.publicKey !== 'string'
  )
    return 'the signed head is malformed (tenant, seq, hash, time, keyId, signature, publicKey)';
  if (head.tenant !== expected.tenant)
    return `the signed head is for tenant "${head.tenant}", not "${expected.tenant}"`;
  const trusted = expected.publicKey ?? head.publicKey;
  const trustedId = publicKeyId(trusted, crypto.sha256Hex);
  if (head.keyId !== trustedId)
    return `the signed head names key ${head.keyId}, not the tenant's key ${trustedId}${expected.publicKey ? ' (the public key given)' : ''}`;
  if (
    !crypto.verifyEd25519(
      trusted,
      signedHeadPayload(head as SignedHead, crypto.canonicalJson),
      head.signature,
    )
  )
    return `the signed head (seq ${head.seq}) has a bad signature: key ${trustedId} did not sign it`;
  return undefined;
}

/** A signed head remembered from an earlier verification. */
export interface KnownHead {
  seq: number;
  hash: string;
  time: string;
  keyId: string;
}

/**
 * Whether `next` extends `known` (append-only): not below it (rollback), and the chain that ends
 * at `next` holds `known`'s hash at `known`'s seq (else a fork). `hashAtKnown` is that hash in the
 * current chain, undefined when it was pruned since (then only the order can be checked).
 * Undefined when it does; else what is wrong. Pure.
 */
export function headConsistencyProblem(
  known: KnownHead,
  next: { seq: number; hash: string; keyId: string },
  hashAtKnown: string | undefined,
  /** How `next` is named in messages: the server checks its head row against its last signed head. */
  subject = 'the signed head',
): string | undefined {
  if (next.keyId !== known.keyId)
    return `the journal is signed by key ${next.keyId}, not by key ${known.keyId} that signed the head known before (the signing key was replaced)`;
  if (next.seq < known.seq)
    return `rollback: ${subject} is at seq ${next.seq}, below the head at seq ${known.seq} known before (signed ${known.time})`;
  const at = next.seq === known.seq ? next.hash : hashAtKnown;
  if (at !== undefined && at !== known.hash)
    return `fork: entry ${known.seq} has hash ${short(at)}, not ${short(known.hash)} as in the head known before (signed ${known.time}): the journal was rewritten`;
  return undefined;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
