import { createHash } from 'node:crypto';
import { canonicalJson } from '../contract/canonical.js';

/** The hash before a tenant's first journal entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 (hex) over the canonical JSON of the entry without its own `hash`. Pure. */
export function entryHash(entry: Record<string, unknown>): string {
  const { hash: _hash, ...hashed } = entry;
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}

/** The outcome of a verification, the same shape as `GET /api/v1/journal/verify`. */
export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBrokenSeq?: number;
  message: string;
}

interface ExportedEntry extends Record<string, unknown> {
  seq: number;
  hash: string;
  prevHash: string;
}

/**
 * Verifies an NDJSON journal export offline: every entry's hash, every prevHash link, no gap in
 * the sequence, and the final `JournalHead` line naming the last entry (so a truncated file is
 * caught). An export that starts after seq 1 (retention pruned the oldest entries) is trusted
 * from its first entry on. Pure.
 */
export function verifyExport(ndjson: string): VerifyResult {
  const entries: ExportedEntry[] = [];
  let head: { seq?: number; hash?: string } | undefined;
  const lines = ndjson.split('\n').filter((line) => line.trim() !== '');
  for (const [index, line] of lines.entries()) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { ok: false, checked: entries.length, message: `line ${index + 1} is not JSON` };
    }
    if (head)
      return {
        ok: false,
        checked: entries.length,
        message: `line ${index + 1} follows the JournalHead line`,
      };
    if (parsed.kind === 'JournalHead') head = parsed as { seq?: number; hash?: string };
    else if (
      typeof parsed.seq !== 'number' ||
      typeof parsed.hash !== 'string' ||
      typeof parsed.prevHash !== 'string'
    )
      return {
        ok: false,
        checked: entries.length,
        message: `line ${index + 1} is not a journal entry (seq, hash, prevHash)`,
      };
    else entries.push(parsed as ExportedEntry);
  }
  entries.sort((a, b) => a.seq - b.seq);
  const broken = (entry: ExportedEntry, checked: number, why: string): VerifyResult => ({
    ok: false,
    checked,
    firstBrokenSeq: entry.seq,
    message: `entry ${entry.seq}: ${why}`,
  });
  for (const [index, entry] of entries.entries()) {
    if (entryHash(entry) !== entry.hash)
      return broken(entry, index, 'its hash does not match its content (edited)');
    const previous = entries[index - 1];
    if (previous && entry.seq !== previous.seq + 1)
      return broken(entry, index, `entries ${previous.seq + 1} to ${entry.seq - 1} are missing`);
    if (previous && entry.prevHash !== previous.hash)
      return broken(entry, index, `prevHash does not match the hash of entry ${previous.seq}`);
    if (!previous && entry.seq === 1 && entry.prevHash !== GENESIS_HASH)
      return broken(entry, index, 'the first entry does not start from the genesis hash');
  }
  if (!head)
    return { ok: false, checked: entries.length, message: 'no JournalHead line: the export is truncated' };
  const last = entries[entries.length - 1];
  const lastSeq = last?.seq ?? 0;
  if (head.seq !== undefined && Number(head.seq) !== lastSeq)
    return {
      ok: false,
      checked: entries.length,
      message: `the JournalHead names seq ${head.seq} but the last entry is ${lastSeq}: the export is truncated`,
    };
  if (last && head.hash !== undefined && head.hash !== last.hash)
    return {
      ok: false,
      checked: entries.length,
      message: `the JournalHead hash does not match entry ${last.seq}`,
    };
  return {
    ok: true,
    checked: entries.length,
    message: `${entries.length} entries verified, chain intact up to the head`,
  };
}
