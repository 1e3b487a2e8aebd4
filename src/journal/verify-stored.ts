/**
 * Verifying a tenant's journal as stored: a walk over the database in seq order. On SQLite the
 * canonical texts are built in SQL, a page at a time; elsewhere (and for suspect rows) the rows
 * are read and hashed here. The verdicts come from verify-entries.ts's ChainChecker.
 */
import { hash } from 'node:crypto';
import type { OperationContext } from '../context.js';
import { canonicalJson } from '../contract/canonical.js';
import { type EntryField, entryTemplate } from '../contract/journal-entry.js';
import { checkpointProblem, pruneClaimOf } from '../contract/journal-head.js';
import { type Database, fromJsonColumn } from '../store/database.js';
import { canonicalEntryText, GENESIS_HASH, HASH_LENGTH, sha256Hex } from './chain.js';
import type { JournalCheckpointRow, JournalHeadRow, JournalRow } from './journal-entity.js';
import { type ChainAnchor, type Checkpoint, checkpointOf, entriesAfter, headOf } from './journal-rows.js';
import type { JournalSigner } from './journal-signing.js';
import { JOURNAL_SELECT } from './journal-writer.js';
import { ChainChecker, type VerifyResult } from './verify-entries.js';

/** One entry as the walk sees it: its links, and whether its stored hash matches its content. */
interface Link {
  seq: number;
  prevHash: string;
  hash: string;
  matches: boolean;
}

/** The journal_entries column of a field of the entry table: `requestId` → request_id, actor.id → actor_id. */
export function entryColumn(field: EntryField): string {
  return field.path.join('_').replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The SQL value and printf conversion that write a field as canonicalEntryText does. */
function sqliteValue(field: EntryField): { conversion: string; value: string } {
  const column = entryColumn(field);
  switch (field.type) {
    case 'string':
    case 'nullableString':
      // json_quote escapes exactly as JSON.stringify does, and quotes NULL as null.
      return { conversion: '%s', value: `json_quote(${column})` };
    case 'integer':
      return { conversion: '%d', value: column };
    case 'nullableInteger':
      return { conversion: '%s', value: `coalesce(${column}, 'null')` };
    case 'canonicalJson':
      return { conversion: '%s', value: column };
  }
}

/**
 * canonicalEntryText as an SQLite expression over a journal_entries row, generated from the same
 * field table (a test holds the two together over tricky texts). Pure.
 */
export function sqliteEntryText(): string {
  let format = '';
  const values: string[] = [];
  for (const piece of entryTemplate()) {
    if (typeof piece === 'string') format += piece.replaceAll('%', '%%');
    else {
      const { conversion, value } = sqliteValue(piece);
      format += conversion;
      values.push(value);
    }
  }
  return `printf('${format.replaceAll("'", "''")}', ${values.join(', ')})`;
}

/**
 * The canonical text of every entry of a page, built by SQLite, one line per entry prefixed with
 * seq, hash and prevHash, and the whole page in one BLOB: a million entries cost a hundred rows to
 * the driver instead of a million objects of eighteen strings, which is what makes verify take
 * seconds.
 */
export const SQLITE_PAGE = `SELECT count(*) AS n, max(seq) AS last, CAST(group_concat(line, char(10)) AS BLOB) AS lines FROM (
  SELECT seq, printf('%d %s %s %s', seq, hash, prev_hash, ${sqliteEntryText()}) AS line
  FROM journal_entries WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?)`;

/**
 * Splits a SQLite page into links, hashing each canonical text as bytes. Undefined when a line is
 * not shaped as expected (a stored hash of the wrong length, a raw line break in a re-serialized
 * changes column): the caller then reads that page row by row. Pure.
 */
export function parseSqlitePage(lines: Buffer, count: number): Link[] | undefined {
  const links: Link[] = [];
  let position = 0;
  while (position < lines.length) {
    let end = lines.indexOf(10, position);
    if (end < 0) end = lines.length;
    const space = lines.indexOf(32, position);
    const hashAt = space + 1;
    const prevAt = hashAt + HASH_LENGTH + 1;
    const textAt = prevAt + HASH_LENGTH + 1;
    if (space < 0 || textAt > end || lines[prevAt - 1] !== 32 || lines[textAt - 1] !== 32) return undefined;
    const seq = Number(lines.toString('latin1', position, space));
    if (!Number.isSafeInteger(seq)) return undefined;
    const stored = lines.toString('latin1', hashAt, hashAt + HASH_LENGTH);
    links.push({
      seq,
      hash: stored,
      prevHash: lines.toString('latin1', prevAt, prevAt + HASH_LENGTH),
      matches: hash('sha256', lines.subarray(textAt, end)) === stored,
    });
    position = end + 1;
  }
  if (links.length !== count) return undefined;
  // group_concat keeps the subquery's order in practice, but SQLite does not promise it (and an
  // ORDER BY inside the aggregate would sort every page again): checked here, sorted if need be.
  for (let index = 1; index < links.length; index++)
    if (links[index].seq <= links[index - 1].seq) return links.sort((a, b) => a.seq - b.seq);
  return links;
}

/** A page of the walk: how many entries, the last seq, and their texts (SQLite) or rows. */
interface Page {
  after: number;
  count: number;
  last: number;
  lines?: Buffer;
  rows?: JournalRow[];
}

/** Rows per query: large enough that per-query overhead vanishes, small enough to stay flat in memory. */
export const VERIFY_PAGE = 10_000;

/**
 * The hash a stored row should carry. The changes column is hashed as stored when it is text (the
 * writer stores it canonical); if that does not match, it is parsed and re-canonicalized, so a
 * row re-serialized without any change of meaning is not called edited. Pure.
 */
export function rowMatchesHash(row: JournalRow): boolean {
  const entry = {
    tenant: row.tenant,
    seq: Number(row.seq),
    time: row.time,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    requestId: row.request_id,
    source: row.source ?? null,
    operation: row.operation,
    kind: row.kind ?? null,
    name: row.name ?? null,
    generation: row.generation === null || row.generation === undefined ? null : Number(row.generation),
    result: row.result,
    reason: row.reason ?? null,
    changeset: row.changeset ?? null,
    prevHash: row.prev_hash,
  };
  if (typeof row.changes === 'string') {
    if (sha256Hex(canonicalEntryText(entry, row.changes)) === row.hash) return true;
    try {
      return sha256Hex(canonicalEntryText(entry, canonicalJson(JSON.parse(row.changes)))) === row.hash;
    } catch {
      return false;
    }
  }
  return sha256Hex(canonicalEntryText(entry, canonicalJson(row.changes))) === row.hash;
}

/**
 * Online verification of a tenant's chain (GET /api/v1/journal/verify): walks every stored entry
 * in seq order, page by page in constant memory, from the retention checkpoint (or genesis) to
 * the head row, recomputing every hash and link. Read-only.
 */
export class JournalVerifier {
  constructor(
    private readonly db: Database,
    private readonly pageSize = VERIFY_PAGE,
    /** Checks the signing key and the last signed head; without it (unit tests) they are not checked. */
    private readonly signer?: JournalSigner,
  ) {}

  async verify(context: OperationContext): Promise<VerifyResult> {
    context.authorize('journal:read');
    return this.verifyTenant(context.tenant);
  }

  async verifyTenant(tenant: string): Promise<VerifyResult> {
    let checkpoint = await this.checkpoint(tenant);
    let result = await this.walk(tenant, checkpoint);
    if (!result.ok) {
      // Pruning may have moved the start while we walked: a break it explains is not a break.
      const now = await this.checkpoint(tenant);
      if ((now?.seq ?? 0) === (checkpoint?.seq ?? 0)) return result;
      checkpoint = now;
      result = await this.walk(tenant, now);
      if (!result.ok) return result;
    }
    return (await this.vouched(tenant, checkpoint, result)) ?? result;
  }

  /**
   * The checks beyond the chain, once it is intact: that a journal.prune entry vouches for the
   * checkpoint, and that the signing key and the last head the server signed still hold.
   */
  private async vouched(
    tenant: string,
    checkpoint: Checkpoint | null,
    result: VerifyResult,
  ): Promise<VerifyResult | undefined> {
    const failed = (message: string, firstBrokenSeq?: number): VerifyResult => ({
      ok: false,
      checked: result.checked,
      ...(firstBrokenSeq === undefined ? {} : { firstBrokenSeq }),
      message,
    });
    if (checkpoint && checkpoint.seq > 0) {
      const prune = await this.db
        .knex<JournalRow>('journal_entries')
        .select('seq', 'time', 'operation', 'reason', 'changes')
        .where({ tenant, operation: 'journal.prune' })
        .andWhere('seq', '>', checkpoint.seq)
        .orderBy('seq', 'desc')
        .first();
      const claim = prune
        ? pruneClaimOf({
            seq: Number(prune.seq),
            time: prune.time,
            operation: prune.operation,
            reason: prune.reason,
            changes: fromJsonColumn(prune.changes),
          })
        : undefined;
      const problem = checkpointProblem(checkpoint, claim);
      if (problem) return failed(problem, checkpoint.seq);
    }
    if (!this.signer) return undefined;
    const head = (await this.head(tenant)) ?? { seq: 0, hash: GENESIS_HASH };
    const problem = await this.signer.check(tenant, head, async (seq) => {
      if (checkpoint && seq === checkpoint.seq) return checkpoint.hash;
      const row = await this.db
        .knex<JournalRow>('journal_entries')
        .select('hash')
        .where({ tenant, seq })
        .first();
      return row?.hash;
    });
    return problem ? failed(problem) : undefined;
  }

  private async walk(tenant: string, checkpoint: Checkpoint | null): Promise<VerifyResult> {
    const checker = new ChainChecker(checkpoint ?? { seq: 0, hash: GENESIS_HASH });
    let last = checkpoint?.seq ?? 0;
    let next = this.page(tenant, last);
    for (;;) {
      const page = await next;
      // The next page is read (on SQLite, built) while this one is hashed.
      if (page.count === this.pageSize) next = this.page(tenant, page.last);
      const links = await this.links(tenant, page);
      for (const link of links) {
        if (!checker.push(link.seq, link.prevHash, link.hash, link.matches)) {
          // A page still being read is not needed any more; its failure is not ours to report.
          next.catch(() => undefined);
          return checker.finish();
        }
        last = link.seq;
      }
      if (page.count === this.pageSize) continue;
      // The head is read after the last page, so entries appended while we walked are walked too
      // rather than mistaken for entries beyond the head.
      const head = await this.head(tenant);
      if (head && head.seq > last && (await entriesAfter(this.db, tenant, last, 1)).length > 0) {
        next = this.page(tenant, last);
        continue;
      }
      if (!head && last > 0) {
        const verdict = checker.finish();
        if (!verdict.ok) return verdict;
        return {
          ok: false,
          checked: checker.verified,
          message: 'the head row of the journal is missing (deleted)',
        };
      }
      return checker.finish(head ?? { seq: 0, hash: GENESIS_HASH });
    }
  }

  /** The next page of entries after `after`: on SQLite their canonical texts, else the rows. */
  private async page(tenant: string, after: number): Promise<Page> {
    if (this.db.dialect === 'sqlite') {
      const [page] = (await this.db.knex.raw(SQLITE_PAGE, [tenant, after, this.pageSize])) as Array<{
        n: number;
        last: number | null;
        lines: Buffer | null;
      }>;
      const count = Number(page?.n ?? 0);
      return { after, count, last: Number(page?.last ?? after), lines: page?.lines ?? undefined };
    }
    const rows = await entriesAfter(this.db, tenant, after, this.pageSize);
    return { after, count: rows.length, last: rows.length ? Number(rows[rows.length - 1].seq) : after, rows };
  }

  /** The links of a page, in seq order, every hash recomputed. */
  private async links(tenant: string, page: Page): Promise<Link[]> {
    if (page.count === 0) return [];
    if (page.lines) {
      const links = parseSqlitePage(page.lines, page.count);
      if (links) return this.recheck(tenant, links);
    }
    const rows = page.rows ?? (await entriesAfter(this.db, tenant, page.after, this.pageSize));
    return rows.map((row) => ({
      seq: Number(row.seq),
      prevHash: row.prev_hash,
      hash: row.hash,
      matches: rowMatchesHash(row),
    }));
  }

  /**
   * Entries whose canonical text as stored does not hash right are re-read whole and judged by
   * rowMatchesHash: a changes column re-serialized without any change of meaning is not an edit.
   */
  private async recheck(tenant: string, links: Link[]): Promise<Link[]> {
    const suspects = links.filter((link) => !link.matches).map((link) => link.seq);
    if (suspects.length === 0) return links;
    const rows = (await this.db
      .knex<JournalRow>('journal_entries')
      .select(JOURNAL_SELECT)
      .where('tenant', tenant)
      .whereIn('seq', suspects)) as unknown as JournalRow[];
    const verdicts = new Map(rows.map((row) => [Number(row.seq), rowMatchesHash(row)]));
    return links.map((link) => (link.matches ? link : { ...link, matches: verdicts.get(link.seq) ?? false }));
  }

  private async head(tenant: string): Promise<ChainAnchor | null> {
    return headOf(await this.db.knex<JournalHeadRow>('journal_heads').where({ tenant }).first());
  }

  private async checkpoint(tenant: string): Promise<Checkpoint | null> {
    return checkpointOf(
      await this.db.knex<JournalCheckpointRow>('journal_checkpoints').where({ tenant }).first(),
    );
  }
}
