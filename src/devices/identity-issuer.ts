/**
 * Device identity certificates: issued at enrollment and renewal from the Device's identity CA
 * (`spec.identity.caRef`), through the grouped issuance path, and answered with the CA chain and
 * the time to renew. Revocation (device deleted, CA changed) is the Device reconciler's.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { OperationContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { CaPublication } from '../pki/ca-publication.js';
import type { IssuanceService } from '../pki/issuance-service.js';
import { splitPemBlocks } from '../pki/pem.js';
import { requireDuration } from '../resources/duration.js';
import type { StoredResource } from '../resources/model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { identityRequest, renewAfter } from './device-identity.js';
import type { DeviceRecords } from './device-records.js';

export interface IssuedIdentity {
  certificatePem: string;
  /** The issuing CA's certificate, then each one above it. */
  chainPem: string[];
  serial: string;
  notAfter: Date;
  renewAfter: Date;
}

export class IdentityIssuer {
  constructor(
    private readonly deps: {
      store: ResourceStore;
      issuance: IssuanceService;
      publication: CaPublication;
      changes: ChangeFeed;
      /** To forget an attestation that vouched for another key than the new certificate's. */
      records?: DeviceRecords;
      db?: Database;
    },
  ) {}

  /** Refuses before anything is written when the CA cannot issue (missing, no certificate yet). */
  async assertCanIssue(tenant: string, caName: string): Promise<void> {
    await this.deps.publication.chain(tenant, caName);
  }

  /** Issues the identity of `device` (a stored Device or the manifest just applied) for a CSR. */
  async issue(
    context: OperationContext,
    device: StoredResource | Record<string, unknown>,
    caName: string,
    key: { csr: string } | { publicKey: Uint8Array },
  ): Promise<IssuedIdentity> {
    const { name, spec } = facts(device);
    const validity = spec.identity?.validity;
    const request = identityRequest(
      {
        name,
        platform: spec.platform,
        identifier: spec.permanentIdentifier,
        validityMs: typeof validity === 'string' ? requireDuration(validity) : undefined,
      },
      key,
    );
    const issued = await this.deps.issuance.issueOne(context, caName, request, { clipValidity: true });
    const chain = await this.deps.publication.chain(context.tenant, caName);
    if (this.deps.records && this.deps.db) {
      const spki = new X509Certificate(issued.der).publicKey.export({ type: 'spki', format: 'der' });
      const key = createHash('sha256').update(spki).digest('hex');
      await this.deps.records.keyChanged(this.deps.db.knex, context.tenant, name, key);
    }
    // The Device's status (CertificateValid, serial, notAfter) follows the new certificate.
    this.deps.changes.publish([{ tenant: context.tenant, kind: 'Device', name }]);
    return {
      certificatePem: issued.pem,
      chainPem: splitPemBlocks(chain),
      serial: issued.serialHex,
      notAfter: issued.notAfter,
      renewAfter: renewAfter(issued.notBefore, issued.notAfter),
    };
  }

  /** A new certificate for a device that holds a valid one (the device API's Renew). */
  async renew(context: OperationContext, deviceName: string, csrPem: string): Promise<IssuedIdentity> {
    const device = await this.deps.store.get({ tenant: context.tenant, kind: 'Device', name: deviceName });
    if (!device) throw new NotFoundError(`Device "${deviceName}" does not exist`);
    if (device.deletionTimestamp) throw new ConflictError(`Device "${deviceName}" is being deleted`);
    const caName = facts(device).spec.identity?.caRef?.name;
    if (!caName)
      throw new ConflictError(
        `Device "${deviceName}" has no identity CA (spec.identity.caRef) to renew from`,
      );
    return this.issue(context, device, caName, { csr: csrPem });
  }
}

interface DeviceFacts {
  name: string;
  spec: {
    platform: string;
    permanentIdentifier: string;
    identity?: { caRef?: { name?: string }; validity?: string };
  };
}

function facts(device: StoredResource | Record<string, unknown>): DeviceFacts {
  const stored = device as Partial<StoredResource>;
  const name = stored.name ?? (device as { metadata: { name: string } }).metadata.name;
  return { name, spec: (device as { spec: DeviceFacts['spec'] }).spec };
}
