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

const JOURNAL_FILTERS: QueryParameter[] = [
  { name: 'kind', description: 'Only entries of this kind.' },
  { name: 'name', description: 'Only entries of resources of this name.' },
  { name: 'actor', description: 'Actor id or name.' },
  { name: 'operation', description: 'e.g. `apply.created`, `delete`, `auth.login`.' },
  { name: 'result', description: 'e.g. `succeeded`, `denied`.' },
  { name: 'since', description: 'RFC 3339 time or a duration ago (`1h`, `7d`); inclusive.' },
  { name: 'until', description: 'RFC 3339 time or a duration ago; exclusive.' },
  LIMIT,
  CONTINUE,
];

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
    query: [LIMIT, CONTINUE],
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
      '`id: <seq>` and `data: <entry JSON>` per entry, from `after` (or Last-Event-ID), else from now on. Comments carry keep-alives and reports of pruned or missing entries.',
    query: [{ name: 'after', description: 'Sequence number to follow from (exclusive).' }],
    response: {
      description: 'An endless event stream.',
      content: { 'text/event-stream': { type: 'string' } },
    },
  }),
  route(JournalRoutes, 'export', {
    tag: 'Journal',
    summary: 'Export the journal',
    description: 'Streamed page by page; the last line carries the chain head, for `verify` elsewhere.',
    query: [
      { name: 'format', description: '`ndjson` (default) or `csv`.', schema: { enum: ['ndjson', 'csv'] } },
    ],
    response: {
      description: 'Every entry.',
      content: { 'application/x-ndjson': { type: 'string' }, 'text/csv': { type: 'string' } },
    },
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
