import { Logger } from '@nestjs/common';
import type { Admission } from '../apply/admission.js';
import { ApplyService } from '../apply/apply-service.js';
import { APPLYSET_ENTITIES } from '../apply/applyset-tables.js';
import { createArtifactAdmission } from '../artifacts/artifact-admission.js';
import { ArtifactService } from '../artifacts/artifact-service.js';
import { ARTIFACT_ENTITIES } from '../artifacts/artifact-tables.js';
import { SigningKeys } from '../artifacts/signing-keys.js';
import {
  CredentialEntity,
  LoginAttemptEntity,
  TenantEntity,
  TokenReplayEntity,
  UserEntity,
} from '../auth/auth-entities.js';
import { Authenticator } from '../auth/authenticator.js';
import { DenialBudget } from '../auth/denial-budget.js';
import { createIdentityServices } from '../auth/identity-services.js';
import { PermissionCatalogue } from '../auth/permissions.js';
import type { StewardConfig } from '../config.js';
import { systemContext } from '../context.js';
import { DeviceApiEndpoint, DeviceApprovals } from '../devices/approval.js';
import { DeviceLifecycle } from '../devices/device-lifecycle.js';
import { DeviceLogService } from '../devices/device-logs.js';
import { DeviceRecords } from '../devices/device-records.js';
import { DEVICE_ENTITIES } from '../devices/device-tables.js';
import { EnrollTokenService } from '../devices/enroll-tokens.js';
import { Engine } from '../engine/engine.js';
import { type EngineConfig, loadEngineConfig } from '../engine/engine-config.js';
import type { Clock } from '../engine/queue/work-queue.js';
import { ReferenceEntity } from '../engine/reference-index.js';
import { JOURNAL_ENTITIES } from '../journal/journal-entity.js';
import { JournalService } from '../journal/journal-service.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { ReadJournalingQueries } from '../journal/read-journaling.js';
import { KINDS, type StewardKind } from '../kinds.js';
import { ServerMetrics } from '../observability/metrics.js';
import { openPki } from '../pki/pki-services.js';
import { PKI_ENTITIES } from '../pki/pki-tables.js';
import { KindIndex } from '../resources/kind-index.js';
import { RolloutAssignments } from '../rollouts/assignments.js';
import { RolloutActions } from '../rollouts/rollout-actions.js';
import { rolloutAdmission } from '../rollouts/rollout-admission.js';
import { RolloutProgressStore } from '../rollouts/rollout-progress.js';
import { ROLLOUT_ENTITIES } from '../rollouts/rollout-tables.js';
import { ManifestValidator } from '../schema/validator.js';
import { ChangeFeed } from '../store/change-feed.js';
import { Database } from '../store/database.js';
import { ResourceEntity } from '../store/resource-entity.js';
import { ResourceStore } from '../store/resource-store.js';
import { revokeCertificateTokens } from '../trust/certificate-tokens.js';
import { createFederationServices } from '../trust/federation-services.js';
import { JwksCache } from '../trust/jwks-cache.js';
import { certificateAuthorityInUse, createTrustPolicyAdmission } from '../trust/trust-policy-admission.js';

/** Every table of Steward, for MikroORM's schema generator. */
export const ENTITIES = [
  TenantEntity,
  UserEntity,
  CredentialEntity,
  LoginAttemptEntity,
  TokenReplayEntity,
  ResourceEntity,
  ...JOURNAL_ENTITIES,
  ReferenceEntity,
  ...PKI_ENTITIES,
  ...DEVICE_ENTITIES,
  ...ARTIFACT_ENTITIES,
  ...ROLLOUT_ENTITIES,
  ...APPLYSET_ENTITIES,
];

/** For tests and benchmarks: extra kinds (with their schema dir), engine settings, a clock. */
export interface ComposeOptions {
  /** Registry lines added to src/kinds.ts's; their schemas must be in `schemaDir` with the production ones. */
  extraKinds?: readonly StewardKind[];
  schemaDir?: string;
  engine?: Partial<EngineConfig>;
  clock?: Clock;
}

/**
 * The composition root: builds every service once, as plain objects, so that domain code knows
 * nothing of Nest; the HTTP module receives them ready-made.
 */
export async function composeServices(config: StewardConfig, options: ComposeOptions = {}) {
  const engineConfig = { ...loadEngineConfig(), ...options.engine };
  const allKinds = [...KINDS, ...(options.extraKinds ?? [])];
  const kinds = new KindIndex(allKinds);
  const validator = new ManifestValidator(allKinds, options.schemaDir);
  const db = await Database.open(config.databaseUrl, ENTITIES);
  const store = new ResourceStore(db);
  const changes = new ChangeFeed();
  // One clock for every time Steward writes or compares (journal, sessions, keys, CAs): tests
  // that move it see consistent times everywhere.
  const clock = options.clock ? () => new Date(options.clock?.now() ?? Date.now()) : undefined;
  const journal = new JournalWriter(db, clock);
  const journalService = new JournalService(db, journal, kinds, {
    clock,
    maxFollowsPerCredential: config.maxFollowsPerCredential,
  });
  const permissions = new PermissionCatalogue(kinds);
  const authenticator = new Authenticator(
    db,
    journal,
    permissions,
    options.clock ? () => options.clock?.now() ?? Date.now() : undefined,
  );
  // Refusals are journaled within a budget per credential (docs/journal.md, "Refusals").
  const denials = new DenialBudget(
    { budget: config.denialsPerMinute, windowMs: 60_000 },
    async (who, records) => {
      const context = systemContext(who.tenant, who.actor, who.requestId, who.source);
      await db.transaction((trx) => journal.append(trx, context, records));
    },
    options.clock ? () => options.clock?.now() ?? Date.now() : undefined,
    10_000,
    (error) => new Logger('journal').error(`refusal summaries could not be journaled: ${String(error)}`),
  );
  // Artifacts are signed inside the apply's transaction; the key opens once the PKI gives the master key.
  const signingKeys = new SigningKeys(db, journal, clock);
  const artifactAdmission = createArtifactAdmission(signingKeys, clock);
  const admissions: Admission[] = [
    artifactAdmission,
    rolloutAdmission,
    createTrustPolicyAdmission(permissions, {
      revoked: (ids) => {
        for (const credentialId of ids) authenticator.invalidate({ credentialId });
      },
      now: clock,
    }),
    certificateAuthorityInUse,
  ];
  const applyService = new ApplyService(db, store, validator, kinds, journal, changes, clock, admissions);
  // Reads of resources are journaled when the tenant asks for it (journal settings).
  const queries = new ReadJournalingQueries(store, kinds, journalService.reads);
  // Fails the start (ConfigError) on a missing or wrong master key, before any CA is touched.
  const pki = await openPki({
    db,
    store,
    journal,
    config: { dataDir: config.dataDir, masterKey: config.masterKey, publicUrl: config.publicUrl },
    now: clock ?? (() => new Date()),
    wake: (keys) => changes.publish(keys),
    // A revoked client certificate's exchanged tokens end with it (src/trust/certificate-tokens.ts).
    certificatesRevoked: async (trx, tenant, fingerprints, at) => {
      const ids = await revokeCertificateTokens(trx, tenant, fingerprints, at);
      for (const credentialId of ids) authenticator.invalidate({ credentialId });
    },
  }).catch(async (error: unknown) => {
    await authenticator.stop();
    await db.close();
    throw error;
  });
  // Journal heads are signed with per-tenant keys sealed under the same master key.
  journalService.signer.useMasterKey(pki.masterKey);
  signingKeys.useMasterKey(pki.masterKey);
  const artifacts = new ArtifactService({
    db,
    store,
    journal,
    signingKeys,
    clock: clock ?? (() => new Date()),
  });
  const identity = createIdentityServices(db, authenticator, {
    sessionTtlSeconds: config.sessionTtlSeconds,
    identityKey: pki.masterKey.subkey('steward identity pseudonyms'),
    clock,
  });
  const deviceRecords = new DeviceRecords(db);
  const deviceLifecycle = new DeviceLifecycle({
    db,
    records: deviceRecords,
    revocation: pki.revocation,
    changes,
    now: clock ?? (() => new Date()),
  });
  // One per process: the rollouts tell the check-ins of this process when assignments change.
  const rolloutAssignments = new RolloutAssignments(db);
  const rollouts = new RolloutProgressStore({ db, store, journal, changes, assignments: rolloutAssignments });
  // OIDC issuers' keys: filled by the TrustPolicy reconciler, read by the token exchanges.
  const jwks = new JwksCache({
    now: options.clock ? () => options.clock?.now() ?? Date.now() : undefined,
    httpLoopback: config.oidcHttpLoopback,
  });
  const federation = createFederationServices({
    db,
    store,
    changes,
    journal,
    authenticator,
    jwks,
    issued: pki.issued,
    config: config.federation,
    clock: clock ?? (() => new Date()),
  });
  const engine = new Engine({
    db,
    store,
    journal,
    changes,
    kinds: allKinds,
    // Each registry line builds its controller once, from the services built above.
    controllers: allKinds.map((kind) =>
      kind.controller({
        caLifecycle: pki.lifecycle,
        deviceLifecycle,
        artifacts,
        rollouts,
        jwks,
        allWrites: permissions.kindWrite,
      }),
    ),
    config: engineConfig,
    redisUrl: config.redisUrl,
    clock: options.clock,
  });
  return {
    config,
    kinds,
    validator,
    db,
    store,
    changes,
    journal,
    journalService,
    authenticator,
    denials,
    identity,
    applyService,
    signingKeys,
    artifacts,
    rollouts,
    rolloutAssignments,
    jwks,
    federation,
    rolloutActions: new RolloutActions({ store, progress: rollouts, now: clock ?? (() => new Date()) }),
    queries,
    pki,
    engine,
    deviceRecords,
    deviceApprovals: new DeviceApprovals({
      db,
      store,
      records: deviceRecords,
      journal,
      changes,
      now: clock ?? (() => new Date()),
    }),
    deviceApiEndpoint: new DeviceApiEndpoint(),
    /** The clock every device-side service reads (the test clock when one is given). */
    now: clock ?? (() => new Date()),
    deviceLogs: new DeviceLogService({ db, store, journal, now: clock, changes }),
    enrollTokens: new EnrollTokenService({ db, store, journal, clock: clock ?? (() => new Date()) }),
    metrics: new ServerMetrics([engine.metrics.registry]),
    async close() {
      await engine.stop();
      await denials.stop();
      await authenticator.stop();
      await db.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof composeServices>>;
