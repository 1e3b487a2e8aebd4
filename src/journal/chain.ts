import { createHash } from 'node:crypto';
import { canonicalJson } from '../resources/canonical.js';
import type { FieldChange } from '../resources/diff.js';

/** The hash before the first entry of a tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** An entry as hashed and stored (everything but its own hash). */
export interface ChainedEntry {
  tenant: string;
  seq: number;
  time: string;
  actor: { type: string; id: string; name: string };
  requestId: string;
  source: string | null;
  operation: string;
  kind: string | null;
  name: string | null;
  generation: number | null;
  result: string;
  reason: string | null;
  changeset: string | null;
  changes: FieldChange[];
  prevHash: string;
}

/**
 * The entry's hash: SHA-256 over the canonical JSON of every field, including the previous hash,
 * so that editing, deleting or re-ordering any entry breaks every later link. Pure.
 */
export function entryHash(entry: ChainedEntry): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}
