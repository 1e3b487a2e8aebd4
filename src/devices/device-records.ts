/**
 * What the server observes of each device (table device_records): enrollment, approval, presence,
 * what it runs, its last attestation. Written by the device API and by approvals; read by the
 * Device reconciler into status. Presence is written in batches (PresenceWriter), never per call.
 */
import type { Knex } from 'knex';
import type { Database, Executor } from '../store/database.js';
import type { DeviceRecordRow } from './device-tables.js';

const TABLE = 'device_records';

/** An attestation's outcome as recorded (and shown in status). */
export interface AttestationOutcome {
  attested: boolean;
  format: string;
  authority: string | null;
  /** `Verified`, or the check that failed (Chain, IdentifierMismatch, Activation, Nonce, Signature…). */
  reason: string;
  message: string;
  at: string;
  /** SHA-256 (hex) of the identity key the attestation bound (the quote's qualifying data). */
  key?: string;
}

export class DeviceRecords {
  constructor(private readonly db: Database) {}

  async get(
    tenant: string,
    name: string,
    executor: Executor = this.db.knex,
  ): Promise<DeviceRecordRow | null> {
    const row = await executor<DeviceRecordRow>(TABLE).where({ tenant, name }).first();
    return row ? decode(row) : null;
  }

  /** The records of many devices of one tenant, by name (for the reconciler and listings). */
  async getMany(tenant: string, names: readonly string[]): Promise<Map<string, DeviceRecordRow>> {
    const found = new Map<string, DeviceRecordRow>();
    for (let start = 0; start < names.length; start += 500) {
      const rows = await this.db
        .knex<DeviceRecordRow>(TABLE)
        .where({ tenant })
        .whereIn('name', names.slice(start, start + 500));
      for (const row of rows) found.set(row.name, decode(row));
    }
    return found;
  }

  /** Records an enrollment (first, or again with another token). */
  /**
   * Records an enrollment (first, or again with another token). An enrollment starts the device's
   * trust over: its earlier attestation no longer speaks for the key it enrolls with now.
   */
  async enrolled(
    trx: Knex.Transaction,
    row: Pick<DeviceRecordRow, 'tenant' | 'name' | 'enroll_token' | 'enrolled_at' | 'approval'> & {
      approved_by: string | null;
      approved_at: string | null;
      enroll_key: string;
      self_registered: boolean;
    },
  ): Promise<void> {
    await trx(TABLE)
      .insert({ ...empty(row.tenant, row.name), ...row })
      .onConflict(['tenant', 'name'])
      .merge({
        enroll_token: row.enroll_token,
        enrolled_at: row.enrolled_at,
        approval: row.approval,
        approved_by: row.approved_by,
        approved_at: row.approved_at,
        enroll_key: row.enroll_key,
        self_registered: row.self_registered,
        attestation: null,
      });
  }

  /**
   * Forgets an attestation that vouched for another key than `keySha256` (the device renewed or
   * re-enrolled with a new key): assurance is never high for a key no TPM or Apple chain attested.
   */
  async keyChanged(executor: Executor, tenant: string, name: string, keySha256: string): Promise<void> {
    const record = await this.get(tenant, name, executor);
    const attested = record?.attestation as { key?: string } | null | undefined;
    if (attested && attested.key !== keySha256)
      await executor(TABLE).where({ tenant, name }).update({ attestation: null });
  }

  /** Approves a pending device; answers false when it was not pending. */
  async approve(trx: Knex.Transaction, tenant: string, name: string, by: string, at: Date): Promise<boolean> {
    const updated = await trx(TABLE)
      .where({ tenant, name, approval: 'pending' })
      .update({ approval: 'approved', approved_by: by, approved_at: at.toISOString() });
    return Number(updated) > 0;
  }

  /** What the device reported it runs (journaled by the caller when it changed). */
  async installed(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
    artifact: string | null,
    version: string | null,
  ): Promise<void> {
    await trx(TABLE)
      .insert({ ...empty(tenant, name), installed_artifact: artifact, installed_version: version })
      .onConflict(['tenant', 'name'])
      .merge(['installed_artifact', 'installed_version']);
  }

  async attested(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
    outcome: AttestationOutcome,
  ): Promise<void> {
    const attestation = JSON.stringify(outcome);
    await trx(TABLE)
      .insert({ ...empty(tenant, name), attestation })
      .onConflict(['tenant', 'name'])
      .merge(['attestation']);
  }

  /**
   * Last-seen times of many devices in one statement (an upsert of a VALUES list): the check-in
   * path never writes a row per call. Times only move forward.
   */
  async touchMany(executor: Executor, seen: ReadonlyArray<{ tenant: string; name: string; at: string }>) {
    for (let start = 0; start < seen.length; start += 300) {
      const part = seen.slice(start, start + 300);
      await executor(TABLE)
        .insert(part.map(({ tenant, name, at }) => ({ ...empty(tenant, name), last_seen: at })))
        .onConflict(['tenant', 'name'])
        .merge({
          last_seen: executor.raw(
            `CASE WHEN ${TABLE}.last_seen IS NULL OR ${TABLE}.last_seen < excluded.last_seen THEN excluded.last_seen ELSE ${TABLE}.last_seen END`,
          ),
        });
    }
  }

  async remove(trx: Knex.Transaction, tenant: string, name: string): Promise<void> {
    await trx(TABLE).where({ tenant, name }).delete();
  }
}

function empty(tenant: string, name: string): DeviceRecordRow {
  return {
    tenant,
    name,
    enroll_token: null,
    enrolled_at: null,
    approval: null,
    approved_by: null,
    approved_at: null,
    last_seen: null,
    installed_artifact: null,
    installed_version: null,
    attestation: null,
    enroll_key: null,
    self_registered: false,
  };
}

/** JSON columns come back as text on SQLite and as objects on PostgreSQL. */
function decode(row: DeviceRecordRow): DeviceRecordRow {
  const attestation = row.attestation as unknown;
  return {
    ...row,
    self_registered: Boolean(row.self_registered),
    attestation: typeof attestation === 'string' ? JSON.parse(attestation) : (attestation ?? null),
  };
}
