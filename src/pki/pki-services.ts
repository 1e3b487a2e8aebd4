/**
 * The PKI's services, built once by the composition root: the master key (checked against the
 * database before anything else), the CA lifecycle the reconciler drives, issuance, revocation and
 * publication for the routes and the device API.
 */
import type { JournalWriter } from '../journal/journal-writer.js';
import type { ResourceKey } from '../resources/model.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { CaKeyring } from './ca-keyring.js';
import { CaLifecycle } from './ca-lifecycle.js';
import { CaPublication } from './ca-publication.js';
import { CaRepository } from './ca-repository.js';
import { CrlPublisher } from './crl-publisher.js';
import { IssuanceService } from './issuance-service.js';
import { IssuedRepository } from './issued-repository.js';
import type { MasterKey } from './master-key.js';
import { openMasterKey } from './master-key-check.js';
import { type RevocationDeps, RevocationService } from './revocation-service.js';

export interface PkiConfig {
  dataDir: string;
  /** STEWARD_MASTER_KEY; unset: `<dataDir>/master.key`. */
  masterKey?: string;
  /** STEWARD_PUBLIC_URL: base of the CRL distribution points. */
  publicUrl: string;
}

export interface PkiServices {
  lifecycle: CaLifecycle;
  issuance: IssuanceService;
  revocation: RevocationService;
  publication: CaPublication;
  /** The issued certificates' records (the x5c token exchange looks up revocations). */
  issued: IssuedRepository;
  /**
   * The install's master key, checked against the database: the journal seals its signing keys
   * with it, and identity derives its pseudonym key from it.
   */
  masterKey: MasterKey;
}

/**
 * Opens the PKI on a database.
 * @throws ConfigError when the master key is malformed, missing or not the database's.
 */
export async function openPki(deps: {
  db: Database;
  store: ResourceStore;
  journal: JournalWriter;
  config: PkiConfig;
  now: () => Date;
  /** Queues resources for reconciling (the engine's change feed). */
  wake?: (keys: ResourceKey[]) => void;
  /** What else ends with revoked certificates, in the revocation's transaction (RevocationDeps). */
  certificatesRevoked?: RevocationDeps['certificatesRevoked'];
}): Promise<PkiServices> {
  const { db, store, journal, now, wake, certificatesRevoked } = deps;
  const masterKey = await openMasterKey(db, {
    dataDir: deps.config.dataDir,
    masterKey: deps.config.masterKey,
    now,
  });
  const repository = new CaRepository(db);
  const issued = new IssuedRepository(db);
  const keyring = new CaKeyring(masterKey, repository, deps.config.publicUrl);
  const crls = new CrlPublisher(repository, issued, keyring);
  const revocation = new RevocationService({
    db,
    store,
    keyring,
    issued,
    crls,
    journal,
    now,
    wake,
    certificatesRevoked,
  });
  return {
    lifecycle: new CaLifecycle({ db, repository, issued, keyring, crls, journal, revocation }),
    issuance: new IssuanceService({ db, store, keyring, issued, journal, now }),
    revocation,
    publication: new CaPublication({ store, repository, issued, now }),
    issued,
    masterKey,
  };
}
