/**
 * What the Device reconciler observes and does outside the resource: the device's record (approval,
 * presence, installed version, attestation), its current identity certificate, revoking
 * certificates of a CA it no longer names, and the cleanup of its finalizer (every certificate
 * revoked, CRLs republished, its records, log bundles and challenges removed).
 */
import type { OperationContext } from '../context.js';
import type { RevocationService } from '../pki/revocation-service.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { DeviceRecords } from './device-records.js';
import type { DeviceRecordRow } from './device-tables.js';

export interface DeviceCertificate {
  serial: string;
  caName: string;
  notBefore: string;
  notAfter: string;
}

export interface DeviceObservation {
  record: DeviceRecordRow | null;
  /** The newest unrevoked certificate of the device (expired or not), if any. */
  certificate: DeviceCertificate | null;
  /** CAs other than `caName` holding unexpired, unrevoked certificates of the device. */
  otherIssuers: string[];
}

export class DeviceLifecycle {
  constructor(
    private readonly deps: {
      db: Database;
      records: DeviceRecords;
      revocation: RevocationService;
      now: () => Date;
      /** Wakes the rollouts a deleted device leaves. */
      changes?: ChangeFeed;
    },
  ) {}

  async observe(tenant: string, name: string, caName: string | undefined): Promise<DeviceObservation> {
    const owned = this.deps.db
      .knex('pki_issued_certificates')
      .where({ tenant, owner_kind: 'Device', owner_name: name })
      .whereNull('revoked_at');
    const [record, newest, issuers] = await Promise.all([
      this.deps.records.get(tenant, name),
      owned
        .clone()
        .modify((query) => (caName ? query.where('ca_name', caName) : query))
        .orderBy('not_after', 'desc')
        .first('serial', 'ca_name', 'not_before', 'not_after'),
      owned
        .clone()
        .where('not_after', '>', this.deps.now().toISOString())
        .distinct('ca_name')
        .pluck('ca_name') as Promise<string[]>,
    ]);
    return {
      record,
      certificate: newest
        ? {
            serial: newest.serial,
            caName: newest.ca_name,
            notBefore: newest.not_before,
            notAfter: newest.not_after,
          }
        : null,
      otherIssuers: issuers.filter((issuer) => issuer !== caName),
    };
  }

  /** Revokes the device's certificates from CAs it no longer names (`affiliationChanged`). */
  async revokeFrom(context: OperationContext, name: string, issuers: readonly string[]): Promise<void> {
    const now = this.deps.now();
    const serials = await this.deps.db.transaction((trx) =>
      this.deps.revocation.revokeOwnerIn(
        trx,
        context,
        issuers,
        { kind: 'Device', name },
        'affiliationChanged',
        now,
      ),
    );
    if (serials.length > 0) this.deps.revocation.revoked();
  }

  /**
   * The finalizer's work: every certificate revoked, then the device's own rows removed, and its
   * place in an active rollout cancelled (a rollout does not wait for a device that is gone).
   */
  async cleanUp(context: OperationContext, name: string): Promise<void> {
    await this.deps.revocation.revokeOwner(context, { kind: 'Device', name }, 'cessationOfOperation');
    const rollouts = await this.deps.db.transaction(async (trx) => {
      const active = trx('rollout_devices').where({ tenant: context.tenant, device: name, active: 1 });
      const names: string[] = await active.clone().pluck('rollout');
      await active.clone().update({ state: 'cancelled', reason: 'DeviceDeleted', active: null });
      await this.deps.records.remove(trx, context.tenant, name);
      await trx('device_logs').where({ tenant: context.tenant, device_name: name }).delete();
      await trx('device_attestation_challenges')
        .where({ tenant: context.tenant, device_name: name })
        .delete();
      return names;
    });
    this.deps.changes?.publish(
      rollouts.map((rollout) => ({ tenant: context.tenant, kind: 'Rollout', name: rollout })),
    );
  }
}
