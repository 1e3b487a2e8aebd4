/**
 * The device API, composed from the services of the composition root and started on its own
 * listener (STEWARD_DEVICE_PORT). Everything device-side that keeps state in memory (presence
 * batching, check-in caches) lives here, once per process.
 */
import { Logger } from '@nestjs/common';
import type { Services } from '../app/compose.js';
import type { StewardConfig } from '../config.js';
import { AttestationService } from '../devices/attestation.js';
import { CheckInService } from '../devices/check-in.js';
import { EnrollmentService } from '../devices/enrollment.js';
import { IdentityIssuer } from '../devices/identity-issuer.js';
import { type DeviceServer, startDeviceServer } from './device-server.js';
import { PeerIdentities } from './peer-identity.js';
import { PresenceWriter } from './presence.js';
import { selfManagedServerTls, serverNames } from './server-tls.js';

export interface DeviceApi {
  server: DeviceServer;
  presence: PresenceWriter;
  close(): Promise<void>;
}

export async function startDeviceApi(services: Services, config: StewardConfig): Promise<DeviceApi> {
  const log = new Logger('device-api');
  const now = services.now;
  const { db, store, journal, changes } = services;
  const records = services.deviceRecords;
  const identities = new IdentityIssuer({
    store,
    issuance: services.pki.issuance,
    publication: services.pki.publication,
    changes,
  });
  const presence = new PresenceWriter({
    db,
    records,
    changes,
    now,
    onError: (error) => log.warn(`last-seen times could not be written: ${String(error)}`),
  });
  const tls = await selfManagedServerTls(
    config.dataDir,
    serverNames(config.device.host, config.device.hostnames),
    now(),
  );
  const server = await startDeviceServer({
    host: config.device.host,
    port: config.device.port,
    tls,
    handlers: {
      enrollment: new EnrollmentService({
        db,
        store,
        apply: services.applyService,
        tokens: services.enrollTokens,
        records,
        issuance: services.pki.issuance,
        identities,
        journal,
        changes,
        now,
      }),
      identities,
      peers: new PeerIdentities(db, now),
      presence,
      checkIns: new CheckInService({
        db,
        records,
        journal,
        changes,
        now,
        checkInSeconds: config.device.checkInSeconds,
      }),
      attestation: new AttestationService({ db, store, records, journal, changes, now }),
      logs: services.deviceLogs,
      log,
    },
  });
  services.deviceApiEndpoint.url = server.url;
  services.deviceApiEndpoint.trustPem = server.trustPem;
  return {
    server,
    presence,
    async close() {
      await server.close();
      await presence.close();
    },
  };
}
