/**
 * The device API, composed from the services of the composition root and started on its own
 * listener (STEWARD_DEVICE_PORT). Everything device-side that keeps state in memory (presence
 * batching, check-in caches) lives here, once per process.
 */
import { Logger } from '@nestjs/common';
import type { Services } from '../app/compose.js';
import type { StewardConfig } from '../config.js';
import { type Actor, systemContext } from '../context.js';
import { AttestationService } from '../devices/attestation.js';
import { CheckInService } from '../devices/check-in.js';
import { EnrollmentService } from '../devices/enrollment.js';
import { IdentityIssuer } from '../devices/identity-issuer.js';
import { ConfigError } from '../errors.js';
import { type DeviceServer, startDeviceServer } from './device-server.js';
import { PeerIdentities } from './peer-identity.js';
import { PresenceWriter } from './presence.js';
import { selfManagedServerTls, serverNames, stewardCaServerTls } from './server-tls.js';

/** The actor the listener's own certificate is issued to (journaled on the CA). */
const DEVICE_API_ACTOR: Actor = { type: 'system', id: 'device-api', name: 'device-api' };

export interface DeviceApi {
  server: DeviceServer;
  presence: PresenceWriter;
  /** Makes the listener's certificate again now (the renewal timer's work; for operators and tests). */
  renewServerCertificate(): Promise<void>;
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
    records,
    db,
  });
  const presence = new PresenceWriter({
    db,
    records,
    changes,
    now,
    onError: (error) => log.warn(`last-seen times could not be written: ${String(error)}`),
  });
  const names = serverNames(config.device.host, config.device.hostnames);
  const serverCa = config.device.serverCa;
  const makeTls = () =>
    serverCa
      ? stewardCaServerTls(async ({ publicKeyPem, names }) => {
          const context = systemContext(serverCa.tenant, DEVICE_API_ACTOR, `device-api-tls-${Date.now()}`);
          const issued = await services.pki.issuance.issueOne(
            context,
            serverCa.name,
            {
              publicKey: publicKeyPem,
              subject: { commonName: 'Steward device API' },
              subjectAltNames: { dnsNames: names.dns, ipAddresses: names.ips },
              profile: 'server',
            },
            { clipValidity: true },
          );
          return {
            certificatePem: issued.pem,
            chainPem: await services.pki.publication.chain(serverCa.tenant, serverCa.name),
            notBefore: issued.notBefore,
            notAfter: issued.notAfter,
          };
        }, names)
      : selfManagedServerTls(config.dataDir, names, now());
  // A CA named by STEWARD_DEVICE_SERVER_CA may not exist or be Ready yet (it is applied through
  // this very server): until it can issue, the self-managed CA serves, and it is asked each minute.
  let fromStewardCa = Boolean(serverCa);
  const tls = await makeTls().catch(async (error: unknown) => {
    if (!serverCa)
      throw new ConfigError(
        `the device API's server certificate could not be made: ${(error as Error).message}`,
      );
    log.warn(
      `CertificateAuthority ${serverCa.tenant}/${serverCa.name} (STEWARD_DEVICE_SERVER_CA) cannot issue the device API's certificate yet (${(error as Error).message}); the self-managed CA serves until it can`,
    );
    fromStewardCa = false;
    return selfManagedServerTls(config.dataDir, names, now());
  });
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
        supersede: (context, device, keep) =>
          services.pki.revocation.supersede(context, { kind: 'Device', name: device }, keep),
        journal,
        changes,
        now,
      }),
      identities,
      peers: new PeerIdentities(db, now, () => services.pki.revocation.revocations),
      presence,
      checkIns: new CheckInService({
        db,
        records,
        assignments: services.rolloutAssignments,
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
  // The server certificate is renewed in place at two thirds of its life (connections keep
  // theirs); while a named CA cannot issue yet, it is asked again every minute.
  let renewal: NodeJS.Timeout | undefined;
  let current = tls;
  const renewNow = async (): Promise<void> => {
    const next = await makeTls();
    fromStewardCa = Boolean(serverCa);
    server.useTls(next);
    services.deviceApiEndpoint.trustPem = next.trustPem;
    current = next;
  };
  const schedule = (delay: number) => {
    clearTimeout(renewal);
    renewal = setTimeout(
      () => {
        renewNow()
          .catch((error: unknown) =>
            log.warn(`the device API's server certificate was not renewed: ${String(error)}`),
          )
          .finally(() => schedule(nextRenewal()));
      },
      Math.min(delay, 2_147_000_000),
    );
    renewal.unref();
  };
  const nextRenewal = () => {
    if (serverCa && !fromStewardCa) return 60_000;
    const life = current.notAfter.getTime() - current.notBefore.getTime();
    return Math.max(60_000, current.notBefore.getTime() + (life * 2) / 3 - now().getTime());
  };
  schedule(nextRenewal());
  return {
    server,
    presence,
    async renewServerCertificate() {
      await renewNow();
      schedule(nextRenewal());
    },
    async close() {
      clearTimeout(renewal);
      await server.close();
      await presence.close();
    },
  };
}
