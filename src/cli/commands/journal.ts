import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { canonicalJson } from '../../contract/canonical.js';
import { parseDuration } from '../../contract/duration.js';
import {
  type HeadCrypto,
  headConsistencyProblem,
  type SignedHead,
  signedHeadProblem,
} from '../../contract/journal-head.js';
import { journalVerifier, type VerifiableEntry, type VerifyResult } from '../../contract/journal-verify.js';
import type { StewardClient } from '../client.js';
import type { CommandSpec, ParsedArgs } from '../command.js';
import { CliError } from '../errors.js';
import { renderTable } from '../output/table.js';
import type { Session } from '../session.js';
import {
  EventStreamParser,
  JOURNAL_HEADERS,
  type JournalEntry,
  journalRow,
  journalTable,
} from './journal-format.js';
import { headKey, headsPath, rememberedHead, rememberHead } from './journal-heads.js';

interface JournalList {
  items: JournalEntry[];
  metadata?: { continue?: string };
}

/**
 * The server's own export verification (src/contract/journal-verify.ts), bound to node:crypto:
 * `journal verify --file` refuses exactly what the server refuses.
 */
const HEAD_CRYPTO: HeadCrypto = {
  sha256Hex: (text) => createHash('sha256').update(text).digest('hex'),
  canonicalJson,
  verifyEd25519(publicKeyPem, payload, signature) {
    try {
      return verify(
        null,
        Buffer.from(payload),
        createPublicKey(publicKeyPem),
        Buffer.from(signature, 'base64url'),
      );
    } catch {
      return false;
    }
  },
};
export const offlineVerifier = journalVerifier(HEAD_CRYPTO);

/** GET /api/v1/journal/head's body. */
interface SignedHeadAnswer extends SignedHead {
  at?: { seq: number; hash: string | null; entry: (VerifiableEntry & Record<string, unknown>) | null };
}

/**
 * Checks the server's signed head against the one remembered for this context (signature, key,
 * append-only), then remembers it. Throws a CliError naming a rollback, a fork or a bad head.
 */
async function checkSignedHead(session: Session, client: StewardClient): Promise<string> {
  const connection = await session.connection();
  const path = headsPath(session.configPath);
  const key = headKey({
    name: connection.context?.name,
    server: connection.server,
    tenant: connection.tenant,
  });
  const known = await rememberedHead(path, key);
  const signed = await client.request<SignedHeadAnswer>('GET', '/api/v1/journal/head', {
    query: { at: known?.seq },
  });
  const broken = (problem: string) => CliError.of(`journal is BROKEN: ${problem}`);
  const bad = signedHeadProblem(
    signed,
    { tenant: known?.tenant ?? signed.tenant, publicKey: known?.publicKey },
    HEAD_CRYPTO,
  );
  if (bad) throw broken(bad);
  if (known) {
    // The entry at the remembered seq is checked here too: its content must hash to the hash given.
    const entry = signed.at?.entry;
    if (entry && (entry.seq !== known.seq || offlineVerifier.contentHash(entry) !== signed.at?.hash))
      throw broken(`the server's entry ${known.seq} does not match the hash it gives for it`);
    const problem = headConsistencyProblem(known, signed, signed.at?.hash ?? undefined);
    if (problem) throw broken(problem);
  }
  await rememberHead(path, key, {
    tenant: signed.tenant,
    seq: signed.seq,
    hash: signed.hash,
    time: signed.time,
    keyId: signed.keyId,
    publicKey: signed.publicKey,
    verifiedAt: session.now().toISOString(),
  });
  const since = known
    ? `, extending the head at seq ${known.seq} verified before`
    : ' (first verification here: remembered)';
  return `Signed head at seq ${signed.seq} (key ${signed.keyId})${since}.`;
}

const FILTERS = ['kind', 'name', 'actor', 'operation', 'result', 'changeset'] as const;

/** A duration ago (`1h`, `30m`, `1h30m`), or an RFC 3339 time as is. */
function timeBound(value: string | undefined, now: Date, flag: string, args: ParsedArgs): string | undefined {
  if (value === undefined) return undefined;
  const relative = parseDuration(value);
  if (relative !== undefined) return new Date(now.getTime() - relative).toISOString();
  if (Number.isNaN(Date.parse(value)))
    throw args.usage(`--${flag} takes a duration (1h, 30m, 7d) or an RFC 3339 time`);
  return value;
}

async function filters(session: Session, args: ParsedArgs): Promise<Record<string, string | undefined>> {
  const query: Record<string, string | undefined> = {};
  for (const name of FILTERS) query[name] = args.string(name);
  // Kinds are accepted by any name (`dev`); journal entries may name kinds discovery does not list.
  if (query.kind) query.kind = (await session.kinds()).find(query.kind)?.kind ?? query.kind;
  query.since = timeBound(args.string('since'), session.now(), 'since', args);
  query.until = timeBound(args.string('until'), session.now(), 'until', args);
  return query;
}

function equalityFilters(query: Record<string, string | undefined>): Record<string, string | undefined> {
  const { since: _since, until: _until, ...equality } = query;
  return equality;
}

async function queryJournal(
  client: StewardClient,
  query: Record<string, string | undefined>,
  limit?: number,
): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  let token: string | undefined;
  do {
    const page = await client.request<JournalList>('GET', '/api/v1/journal', {
      query: {
        ...query,
        limit: limit === undefined ? undefined : Math.min(limit - entries.length, 5000),
        continue: token,
      },
    });
    entries.push(...page.items);
    token = page.metadata?.continue || undefined;
    // Without --limit one page is shown: the journal of a busy tenant is long.
  } while (token && limit !== undefined && entries.length < limit);
  return entries;
}

/**
 * Streams entries after `after` until the signal stops it, reconnecting (without gaps) if the
 * stream ends. The server filters (the query's equality filters; time bounds do not apply to new
 * entries) and moves the stream's last id past what it left out, where a reconnect resumes.
 */
async function follow(
  session: Session,
  client: StewardClient,
  after: number,
  query: Record<string, string | undefined>,
  json: boolean,
) {
  let last = after;
  const signal = session.io.signal;
  while (!signal?.aborted) {
    let response: Response;
    try {
      response = await client.stream('/api/v1/journal/follow', {
        query: { after: last, ...equalityFilters(query) },
        accept: 'text/event-stream',
        signal,
      });
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    const parser = new EventStreamParser();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body ?? []) {
        for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
          const entry = JSON.parse(event.data) as JournalEntry;
          session.out(
            json ? JSON.stringify(entry) : renderTable(JOURNAL_HEADERS, [journalRow(entry)]).split('\n')[1],
          );
        }
        last = Math.max(last, Number(parser.lastId ?? last));
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function printVerify(session: Session, result: VerifyResult, what: string): number {
  if (result.ok) {
    session.out(`${what}: OK (${result.checked} entries checked). ${result.message}`);
    return 0;
  }
  const at = result.firstBrokenSeq === undefined ? '' : ` at seq ${result.firstBrokenSeq}`;
  throw new CliError([
    `error: ${what} is BROKEN${at} (${result.checked} entries checked before): ${result.message}`,
  ]);
}

const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'Stream the whole journal as NDJSON (with a final JournalHead line) or CSV',
  usage: 'journal export [--format ndjson|csv] > FILE',
  arity: [0, 0],
  options: { format: { type: 'string', valueName: 'FORMAT', description: 'ndjson (default) or csv' } },
  examples: ['steward journal export > journal.ndjson', 'steward journal export --format csv > journal.csv'],
  async run(session, args) {
    const format = args.choice('format', ['ndjson', 'csv'] as const);
    const client = await session.client();
    const response = await client.stream('/api/v1/journal/export', {
      query: { format },
      accept: '*/*',
      signal: session.io.signal,
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? [])
      session.io.stdout.write(decoder.decode(chunk, { stream: true }));
    session.io.stdout.write(decoder.decode());
    return 0;
  },
};

const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: "Verify the journal's hash chain (on the server, or an exported file offline)",
  usage: 'journal verify [--file EXPORT.ndjson [--public-key KEY.pem] [--head HEAD.json]]',
  arity: [0, 0],
  options: {
    file: {
      type: 'string',
      valueName: 'FILE',
      description: 'verify this NDJSON export offline, without a server',
    },
    'public-key': {
      type: 'string',
      valueName: 'PEM',
      description: "the tenant's journal public key (from journal head), to check the export's signed head",
    },
    head: {
      type: 'string',
      valueName: 'JSON',
      description: 'a signed head anchored earlier (journal head): the export must extend it',
    },
  },
  examples: [
    'steward journal verify',
    'steward journal verify --file journal.ndjson --public-key journal-key.pem',
    'steward journal verify --file journal.ndjson --public-key journal-key.pem --head anchored-head.json',
  ],
  async run(session, args) {
    const file = args.string('file');
    const keyFile = args.string('public-key');
    const anchorFile = args.string('head');
    if ((keyFile || anchorFile) && !file)
      throw args.usage('--public-key and --head go with --file (online, the last head is remembered)');
    if (file) {
      const read = (path: string) =>
        readFile(path, 'utf8').catch((error: Error) => {
          throw CliError.of(`cannot read ${path}: ${error.message}`);
        });
      const text = await read(file);
      const publicKey = keyFile ? await read(keyFile) : undefined;
      let anchor: SignedHead | undefined;
      if (anchorFile) {
        try {
          anchor = JSON.parse(await read(anchorFile)) as SignedHead;
        } catch (error) {
          if (error instanceof CliError) throw error;
          throw CliError.of(`${anchorFile} is not JSON: ${(error as Error).message}`);
        }
      }
      return printVerify(session, offlineVerifier.verifyExport(text, { publicKey, anchor }), file);
    }
    const client = await session.client();
    const result = await client.request<VerifyResult>('GET', '/api/v1/journal/verify');
    if (!result.ok) return printVerify(session, result, 'journal');
    const signed = await checkSignedHead(session, client);
    printVerify(session, result, 'journal');
    session.out(signed);
    return 0;
  },
};

const headCommand: CommandSpec = {
  name: 'head',
  summary: "Print the journal's head, signed by the server now, with its public key (to anchor it elsewhere)",
  usage: 'journal head [--public-key-only]',
  arity: [0, 0],
  options: {
    'public-key-only': { type: 'boolean', description: 'print only the public key (PEM)' },
  },
  examples: ['steward journal head > head.json', 'steward journal head --public-key-only > journal-key.pem'],
  async run(session, args) {
    const client = await session.client();
    const signed = await client.request<SignedHead>('GET', '/api/v1/journal/head');
    if (args.flag('public-key-only')) session.io.stdout.write(signed.publicKey);
    else session.out(JSON.stringify(signed, null, 2));
    return 0;
  },
};

export const journalCommand: CommandSpec = {
  name: 'journal',
  summary: 'Query, follow, export and verify the journal of every operation',
  usage:
    'journal [--kind K] [--name N] [--actor A] [--operation O] [--result R] [--changeset ID] [--since 1h] [--until T] [--limit N] [-o table|json] [-f]',
  arity: [0, 0],
  options: {
    kind: { type: 'string', valueName: 'KIND', description: 'entries of this kind (any of its names)' },
    name: { type: 'string', valueName: 'NAME', description: 'entries of resources of this name' },
    actor: { type: 'string', valueName: 'ACTOR', description: 'entries by this actor (id or name)' },
    operation: { type: 'string', valueName: 'OP', description: 'e.g. apply, delete, approve, login' },
    result: { type: 'string', valueName: 'RESULT', description: 'e.g. created, configured, denied' },
    changeset: {
      type: 'string',
      valueName: 'ID',
      description: "an apply's entries and the status transitions that observed it",
    },
    since: {
      type: 'string',
      valueName: 'WHEN',
      description: 'newer than a duration ago (1h, 7d) or an RFC 3339 time',
    },
    until: {
      type: 'string',
      valueName: 'WHEN',
      description: 'older than a duration ago or an RFC 3339 time',
    },
    limit: { type: 'string', valueName: 'N', description: 'at most N entries (pages through the journal)' },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default) or json' },
    follow: {
      type: 'boolean',
      short: 'f',
      description: 'keep printing new entries as they happen (Ctrl-C stops)',
    },
  },
  subcommands: [exportCommand, verifyCommand, headCommand],
  examples: [
    'steward journal --kind device --name laptop-042',
    'steward journal --actor alice --since 24h -o json',
    'steward journal --changeset 6f1c…  # what one apply did, and what became Ready after it',
    'steward journal -f',
    'steward journal export > journal.ndjson && steward journal verify --file journal.ndjson',
  ],
  async run(session, args) {
    const format = args.choice('output', ['table', 'json'] as const);
    const limitText = args.string('limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw args.usage('--limit must be a positive integer');
    const client = await session.client();
    const query = await filters(session, args);
    const entries = await queryJournal(client, query, limit);
    if (args.flag('follow')) {
      // Oldest first when following, so that new entries continue the list downwards.
      const ordered = [...entries].reverse();
      if (format === 'json') for (const entry of ordered) session.out(JSON.stringify(entry));
      else session.io.stdout.write(journalTable(ordered));
      const head = entries[0]?.seq ?? (await queryJournal(client, {}, 1))[0]?.seq ?? 0;
      await follow(session, client, head, query, format === 'json');
      return 0;
    }
    if (format === 'json') session.out(JSON.stringify({ kind: 'JournalEntryList', items: entries }, null, 2));
    else if (entries.length === 0) session.err('No journal entries found.');
    else session.io.stdout.write(journalTable(entries));
    return 0;
  },
};
