import { JournalRoutes } from '../../routes/journal.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { CONTINUE, json, LIMIT, type OperationEntry, type QueryParameter, route } from '../operation.js';
import { API_VERSION, described, INTEGER, listOf, object, STRING, TIME } from '../schema-builders.js';

/* The OpenAPI shapes and operations of the journal and of one resource's history. */

const journalEntry = object(
  {
    tenant: STRING,
    seq: described(INTEGER, 'Monotonically increasing per tenant.'),
    time: TIME,
    actor: object({ type: STRING, id: STRING, name: STRING }, ['type', 'id', 'name']),
    requestId: STRING,
    source: { type: ['string', 'null'] },
    operation: STRING,
    kind: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    generation: { type: ['integer', 'null'] },
    result: STRING,
    reason: { type: ['string', 'null'] },
    changeset: { type: ['string', 'null'] },
    changes: {
      type: 'array',
      description: 'Field-level change summary (secrets never enter it).',
      items: object({ pointer: STRING, old: {}, new: {} }, ['pointer']),
    },
    prevHash: described(STRING, 'Hash of the previous entry of the tenant (hash chain).'),
    hash: described(STRING, 'SHA-256 of this entry’s canonical JSON.'),
  },
  ['tenant', 'seq', 'time', 'actor', 'operation', 'result', 'prevHash', 'hash'],
  'One journal entry.',
);

const journalSettingsFields = {
  retentionDays: described(
    { type: 'integer', minimum: 1, maximum: 36500 },
    'Entries older than this many days are pruned (never the head).',
  ),
  readJournaling: described(
    { enum: ['none', 'metadata'] },
    '`metadata`: every read of a resource is journaled.',
  ),
};

const CHANGESET_FILTER: QueryParameter = {
  name: 'changeset',
  description: "An apply's changeset: its entries and the status transitions that observed it.",
};

/** The filters of the query and of the export. */
const ENTRY_FILTERS: QueryParameter[] = [
  { name: 'kind', description: 'Only entries of this kind.' },
  { name: 'name', description: 'Only entries of resources of this name.' },
  { name: 'actor', description: 'Actor id or name.' },
  { name: 'operation', description: 'e.g. `apply.created`, `delete`, `auth.login`.' },
  { name: 'result', description: 'e.g. `succeeded`, `denied`.' },
  CHANGESET_FILTER,
  { name: 'since', description: 'RFC 3339 time or a duration ago (`1h`, `7d`); inclusive.' },
  { name: 'until', description: 'RFC 3339 time or a duration ago; exclusive.' },
];

const JOURNAL_FILTERS: QueryParameter[] = [...ENTRY_FILTERS, LIMIT, CONTINUE];
/** A stream carries entries as they are written: its filters are the equality ones. */
const FOLLOW_FILTERS = ENTRY_FILTERS.filter((filter) => filter.name !== 'since' && filter.name !== 'until');

export const JOURNAL_SHAPES: Record<string, JsonSchema> = {
  JournalEntry: journalEntry,
  JournalEntryList: listOf('JournalEntryList', ref('JournalEntry'), 'A page of journal entries.'),
  JournalVerification: object(
    {
      ok: { type: 'boolean' },
      checked: described(INTEGER, 'Entries verified intact before the first break (all of them when ok).'),
      firstBrokenSeq: INTEGER,
      message: STRING,
    },
    ['ok', 'checked', 'message'],
  ),
  JournalSignedHead: object(
    {
      kind: { const: 'JournalSignedHead' },
      tenant: STRING,
      seq: described(INTEGER, 'The head vouched for (0: an empty journal).'),
      hash: STRING,
      time: described(TIME, 'When it was signed.'),
      keyId: described(STRING, 'First 16 hex digits of the SHA-256 of the public key (PEM).'),
      signature: described(STRING, 'Ed25519 over canonical JSON of {tenant, seq, hash, time}, base64url.'),
      publicKey: described(STRING, 'The tenant’s journal public key (SPKI PEM).'),
      at: object(
        { seq: INTEGER, hash: { type: ['string', 'null'] }, entry: {} },
        ['seq', 'hash'],
        'With `at`: the hash at that seq in the chain now (null when pruned or missing) and its entry.',
      ),
    },
    ['kind', 'tenant', 'seq', 'hash', 'time', 'keyId', 'signature', 'publicKey'],
    'The journal head signed by the server.',
  ),
  JournalSettings: object(
    { apiVersion: API_VERSION, kind: { const: 'JournalSettings' }, tenant: STRING, ...journalSettingsFields },
    ['apiVersion', 'kind', 'tenant', 'retentionDays', 'readJournaling'],
  ),
  JournalSettingsUpdate: object(
    journalSettingsFields,
    [],
    'Members left out keep their value; `apiVersion`, `kind` and `tenant` (a GET’s answer sent back) are ignored.',
  ),
};

export const JOURNAL_OPERATIONS: Array<[string, OperationEntry]> = [
  route(JournalRoutes, 'history', (kind) => ({
    tag: kind.kind,
    summary: `The journal of one ${kind.kind}`,
    description: 'Newest first; answered for deleted resources too.',
    query: [CHANGESET_FILTER, LIMIT, CONTINUE],
    response: { description: 'A page of entries.', content: json(ref('JournalEntryList')) },
  })),
  route(JournalRoutes, 'list', {
    tag: 'Journal',
    summary: 'Query the journal',
    query: JOURNAL_FILTERS,
    response: { description: 'A page of entries.', content: json(ref('JournalEntryList')) },
  }),
  route(JournalRoutes, 'follow', {
    tag: 'Journal',
    summary: 'Follow the journal live (server-sent events)',
    description:
      '`id: <seq>` and `data: <entry JSON>` per entry, from `after` (or Last-Event-ID), else from now on, of the entries the filters pass (as `GET /journal` filters them; `since`/`until` are refused: 400). When a filter left entries out, an `id: <seq>` line without data moves the client past them. Comments carry keep-alives and reports of pruned or missing entries.',
    query: [{ name: 'after', description: 'Sequence number to follow from (exclusive).' }, ...FOLLOW_FILTERS],
    response: {
      description: 'An endless event stream.',
      content: { 'text/event-stream': { type: 'string' } },
    },
  }),
  route(JournalRoutes, 'entry', {
    tag: 'Journal',
    summary: 'One journal entry',
    description: 'By its seq; 404 when pruned by retention or not written (in this tenant).',
    params: { seq: 'The entry’s sequence number in the tenant’s journal (a positive integer).' },
    response: { description: 'The entry.', content: json(ref('JournalEntry')) },
  }),
  route(JournalRoutes, 'export', {
    tag: 'Journal',
    summary: 'Export the journal',
    description:
      'Streamed page by page, oldest first; the last line carries the chain head and the signed head, for `verify` elsewhere. The query’s filters narrow it to the matching entries (a selection: `verify` of it reports the first gap).',
    query: [
      { name: 'format', description: '`ndjson` (default) or `csv`.', schema: { enum: ['ndjson', 'csv'] } },
      ...ENTRY_FILTERS,
    ],
    response: {
      description: 'Every entry, or every matching entry.',
      content: { 'application/x-ndjson': { type: 'string' }, 'text/csv': { type: 'string' } },
    },
  }),
  route(JournalRoutes, 'head', {
    tag: 'Journal',
    summary: 'The signed journal head',
    description:
      'The head signed now with the tenant’s journal key, and the public key: publish it elsewhere to anchor the journal.',
    query: [
      {
        name: 'at',
        description: 'Also return the hash of the entry at this seq (consistency with an older head).',
      },
    ],
    response: { description: 'The signed head.', content: json(ref('JournalSignedHead')) },
  }),
  route(JournalRoutes, 'verify', {
    tag: 'Journal',
    summary: 'Verify the hash chain',
    response: { description: 'Intact, or the first break.', content: json(ref('JournalVerification')) },
  }),
  route(JournalRoutes, 'settings', {
    tag: 'Journal',
    summary: 'Journal settings (retention, read journaling)',
    response: { description: 'The settings.', content: json(ref('JournalSettings')) },
  }),
  route(JournalRoutes, 'updateSettings', {
    tag: 'Journal',
    summary: 'Change the journal settings',
    description: 'The change is itself journaled.',
    request: { description: 'The settings to change.', content: json(ref('JournalSettingsUpdate')) },
    response: { description: 'The settings now.', content: json(ref('JournalSettings')) },
  }),
];
