import { EntitySchema } from '@mikro-orm/core';

export interface JournalRow {
  tenant: string;
  seq: number;
  time: string;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  request_id: string;
  source: string | null;
  operation: string;
  kind: string | null;
  name: string | null;
  generation: number | null;
  result: string;
  reason: string | null;
  changeset: string | null;
  changes: unknown;
  prev_hash: string;
  hash: string;
}

/** The journal: one row an operation, hash-chained per tenant (see journal/chain.ts). */
export const JournalEntryEntity = new EntitySchema<JournalRow>({
  name: 'JournalEntry',
  tableName: 'journal_entries',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    seq: { type: 'bigint', primary: true },
    time: { type: 'string', length: 30 },
    actor_type: { type: 'string', fieldName: 'actor_type', length: 16 },
    actor_id: { type: 'string', fieldName: 'actor_id', length: 255 },
    actor_name: { type: 'string', fieldName: 'actor_name', length: 255 },
    request_id: { type: 'string', fieldName: 'request_id', length: 64 },
    source: { type: 'string', length: 64, nullable: true },
    operation: { type: 'string', length: 32 },
    kind: { type: 'string', length: 63, nullable: true },
    name: { type: 'string', length: 255, nullable: true },
    generation: { type: 'integer', nullable: true },
    result: { type: 'string', length: 32 },
    reason: { type: 'text', nullable: true },
    changeset: { type: 'string', length: 36, nullable: true },
    changes: { type: 'json' },
    prev_hash: { type: 'string', fieldName: 'prev_hash', length: 64 },
    hash: { type: 'string', length: 64 },
  },
  // Queries are "newest first within a tenant", filtered by one of these; each index ends in seq
  // so that the filter and the order are served by one index walk (no sort of every match).
  indexes: [
    { name: 'journal_kind_name', properties: ['tenant', 'kind', 'name', 'seq'] },
    { name: 'journal_kind', properties: ['tenant', 'kind', 'seq'] },
    { name: 'journal_actor', properties: ['tenant', 'actor_id', 'seq'] },
    { name: 'journal_actor_name', properties: ['tenant', 'actor_name', 'seq'] },
    { name: 'journal_operation', properties: ['tenant', 'operation', 'seq'] },
    { name: 'journal_result', properties: ['tenant', 'result', 'seq'] },
    { name: 'journal_time', properties: ['tenant', 'time'] },
    { name: 'journal_changeset', properties: ['tenant', 'changeset', 'seq'] },
  ],
});

export interface JournalHeadRow {
  tenant: string;
  seq: number;
  hash: string;
}

/** The chain head per tenant: the row appends lock, so sequences never fork. */
export const JournalHeadEntity = new EntitySchema<JournalHeadRow>({
  name: 'JournalHead',
  tableName: 'journal_heads',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    seq: { type: 'bigint' },
    hash: { type: 'string', length: 64 },
  },
});

export type ReadJournaling = 'none' | 'metadata';

export interface JournalSettingsRow {
  tenant: string;
  retention_days: number;
  read_journaling: ReadJournaling;
  updated_at: string;
}

/** Per-tenant journal settings; a tenant without a row has the defaults (see journal-settings.ts). */
export const JournalSettingsEntity = new EntitySchema<JournalSettingsRow>({
  name: 'JournalSettings',
  tableName: 'journal_settings',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    retention_days: { type: 'integer', fieldName: 'retention_days' },
    read_journaling: { type: 'string', fieldName: 'read_journaling', length: 16 },
    updated_at: { type: 'string', fieldName: 'updated_at', length: 30 },
  },
});

export interface JournalCheckpointRow {
  tenant: string;
  seq: number;
  hash: string;
  pruned_at: string;
  count: number;
}

/**
 * Where a pruned chain starts: seq and hash of the last pruned entry, so the first remaining entry
 * still links to something known. `count` is the total of entries ever pruned for the tenant.
 */
export const JournalCheckpointEntity = new EntitySchema<JournalCheckpointRow>({
  name: 'JournalCheckpoint',
  tableName: 'journal_checkpoints',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    seq: { type: 'bigint' },
    hash: { type: 'string', length: 64 },
    pruned_at: { type: 'string', fieldName: 'pruned_at', length: 30 },
    count: { type: 'bigint' },
  },
});

export interface JournalSigningKeyRow {
  tenant: string;
  key_id: string;
  /** SPKI PEM of the Ed25519 public key. */
  public_key: string;
  /** PKCS#8 DER of the private key, sealed under the master key with the tenant as owner. */
  sealed_private_key: string;
  created_at: string;
  /** The last head signed with the key (null until one is): online verify checks the chain still holds it. */
  head_seq: number | null;
  head_hash: string | null;
  head_time: string | null;
  head_signature: string | null;
}

/** A tenant's journal signing key and the last head signed with it (journal-signing.ts). */
export const JournalSigningKeyEntity = new EntitySchema<JournalSigningKeyRow>({
  name: 'JournalSigningKey',
  tableName: 'journal_signing_keys',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    key_id: { type: 'string', fieldName: 'key_id', length: 64 },
    public_key: { type: 'text', fieldName: 'public_key' },
    sealed_private_key: { type: 'text', fieldName: 'sealed_private_key' },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
    head_seq: { type: 'bigint', fieldName: 'head_seq', nullable: true },
    head_hash: { type: 'string', fieldName: 'head_hash', length: 64, nullable: true },
    head_time: { type: 'string', fieldName: 'head_time', length: 30, nullable: true },
    head_signature: { type: 'string', fieldName: 'head_signature', length: 128, nullable: true },
  },
});

/** Every table of the journal, for the composition root's entity list. */
export const JOURNAL_ENTITIES = [
  JournalEntryEntity,
  JournalHeadEntity,
  JournalSettingsEntity,
  JournalCheckpointEntity,
  JournalSigningKeyEntity,
];
