import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Services } from '../app/compose.js';
import { ApplyService } from '../apply/apply-service.js';
import { ApplySetService } from '../apply/applyset-service.js';
import { ArtifactService } from '../artifacts/artifact-service.js';
import { SigningKeys } from '../artifacts/signing-keys.js';
import { ApiKeyService } from '../auth/api-key-service.js';
import { Authenticator } from '../auth/authenticator.js';
import { SessionService } from '../auth/session-service.js';
import { TenantService } from '../auth/tenant-service.js';
import { UserService } from '../auth/user-service.js';
import { DeviceApiEndpoint, DeviceApprovals } from '../devices/approval.js';
import { DeviceGroupMembers } from '../devices/device-group-members.js';
import { DeviceLogService } from '../devices/device-logs.js';
import { EnrollTokenService } from '../devices/enroll-tokens.js';
import { Engine } from '../engine/engine.js';
import { JournalBackground } from '../journal/journal-background.js';
import { JournalService } from '../journal/journal-service.js';
import { ServerMetrics } from '../observability/metrics.js';
import { CaPublication } from '../pki/ca-publication.js';
import { IssuanceService } from '../pki/issuance-service.js';
import { RevocationService } from '../pki/revocation-service.js';
import { KindIndex } from '../resources/kind-index.js';
import { ResourceQueries } from '../resources/resource-queries.js';
import { RolloutActions } from '../rollouts/rollout-actions.js';
import { RolloutDeviceList } from '../rollouts/rollout-device-list.js';
import { ManifestValidator } from '../schema/validator.js';
import { Database } from '../store/database.js';
import { ResourceStore } from '../store/resource-store.js';
import { KubeFacade } from './kube/kube-facade.js';
import { KUBE_OPENAPI, publishKubeOpenApi } from './kube/kube-openapi-published.js';
import { KubeWatches } from './kube/kube-watch.js';
import { OPENAPI_DOCUMENT } from './openapi/openapi-document.js';
import { publishOpenApiDocument } from './openapi/publish.js';
import { PermissionGuard } from './permission.guard.js';
import { assertRoutesDeclarePermissions } from './route-table.js';
import { ApplyRoutes } from './routes/apply.routes.js';
import { ApplySetRoutes } from './routes/applysets.routes.js';
import { ArtifactRoutes, SigningKeyRoutes } from './routes/artifacts.routes.js';
import { AuthRoutes, SECURE_COOKIES } from './routes/auth.routes.js';
import { DeviceGroupRoutes } from './routes/device-groups.routes.js';
import { DeviceLogRoutes } from './routes/device-logs.routes.js';
import { DeviceRoutes } from './routes/devices.routes.js';
import { DiscoveryRoutes } from './routes/discovery.routes.js';
import { EnrollTokenRoutes } from './routes/enroll-tokens.routes.js';
import {
  FEDERATION,
  FederationRoutes,
  PUBLIC_URL,
  TrustPolicyExplainRoutes,
} from './routes/federation.routes.js';
import { HealthRoutes } from './routes/health.routes.js';
import { JournalRoutes } from './routes/journal.routes.js';
import { KeyRoutes } from './routes/keys.routes.js';
import { KubeDiscoveryRoutes, KubeResourceRoutes } from './routes/kube.routes.js';
import { MetricsRoutes } from './routes/metrics.routes.js';
import { OpenApiRoutes } from './routes/openapi.routes.js';
import { CertificateAuthorityRoutes, PublicPkiRoutes } from './routes/pki.routes.js';
import { ResourceRoutes } from './routes/resource.routes.js';
import { RolloutRoutes } from './routes/rollouts.routes.js';
import { TenantRoutes, UserRoutes } from './routes/users.routes.js';
import { ServerLimits } from './server-limits.js';
import { StatusFilter } from './status.js';

/** Every route class; the permission-matrix test walks these. */
export const ROUTES = [
  HealthRoutes,
  AuthRoutes,
  FederationRoutes,
  TrustPolicyExplainRoutes,
  KeyRoutes,
  EnrollTokenRoutes,
  UserRoutes,
  TenantRoutes,
  DiscoveryRoutes,
  OpenApiRoutes,
  ApplyRoutes,
  ApplySetRoutes,
  ResourceRoutes,
  JournalRoutes,
  MetricsRoutes,
  CertificateAuthorityRoutes,
  PublicPkiRoutes,
  DeviceLogRoutes,
  DeviceGroupRoutes,
  DeviceRoutes,
  RolloutRoutes,
  ArtifactRoutes,
  SigningKeyRoutes,
  KubeDiscoveryRoutes,
  KubeResourceRoutes,
];

/** The HTTP surface: thin route classes over services built by the composition root. */
@Module({})
export class HttpModule {
  static register(services: Services): DynamicModule {
    assertRoutesDeclarePermissions(ROUTES);
    const follower = services.journalService.follower;
    const facade = new KubeFacade(
      services.store,
      services.applyService,
      services.kinds,
      services.validator,
      (tenant) => follower.headSeq(tenant),
      services.journalService.reads,
    );
    const values: Provider[] = [
      { provide: Database, useValue: services.db },
      { provide: KindIndex, useValue: services.kinds },
      { provide: ManifestValidator, useValue: services.validator },
      { provide: ApplyService, useValue: services.applyService },
      {
        provide: ApplySetService,
        useValue: new ApplySetService(services.db, services.journal, services.applyService),
      },
      { provide: ResourceQueries, useValue: services.queries },
      { provide: ResourceStore, useValue: services.store },
      { provide: JournalService, useValue: services.journalService },
      { provide: Engine, useValue: services.engine },
      { provide: ServerMetrics, useValue: services.metrics },
      { provide: CaPublication, useValue: services.pki.publication },
      { provide: IssuanceService, useValue: services.pki.issuance },
      { provide: RevocationService, useValue: services.pki.revocation },
      { provide: DeviceLogService, useValue: services.deviceLogs },
      { provide: DeviceApprovals, useValue: services.deviceApprovals },
      { provide: RolloutActions, useValue: services.rolloutActions },
      { provide: RolloutDeviceList, useValue: new RolloutDeviceList(services.db, services.store) },
      { provide: DeviceApiEndpoint, useValue: services.deviceApiEndpoint },
      {
        provide: DeviceGroupMembers,
        useValue: new DeviceGroupMembers(services.store, services.journalService.reads),
      },
      { provide: Authenticator, useValue: services.authenticator },
      { provide: SessionService, useValue: services.identity.sessions },
      { provide: ApiKeyService, useValue: services.identity.apiKeys },
      { provide: UserService, useValue: services.identity.users },
      { provide: TenantService, useValue: services.identity.tenants },
      { provide: EnrollTokenService, useValue: services.enrollTokens },
      { provide: ArtifactService, useValue: services.artifacts },
      { provide: SigningKeys, useValue: services.signingKeys },
      { provide: FEDERATION, useValue: services.federation },
      { provide: PUBLIC_URL, useValue: services.config.publicUrl },
      { provide: SECURE_COOKIES, useValue: services.config.publicUrl.startsWith('https:') },
      // Nest calls its lifecycle hooks: retention timer, follow streams ended before close.
      { provide: JournalBackground, useValue: services.journalService.background },
      {
        provide: ServerLimits,
        useValue: new ServerLimits(services.config.bodyLimit, services.config.maxDocuments),
      },
      // Built once here, so that a route without documentation fails the start like one without permission.
      { provide: OPENAPI_DOCUMENT, useValue: publishOpenApiDocument(ROUTES, services) },
      { provide: KubeFacade, useValue: facade },
      {
        provide: KubeWatches,
        useValue: new KubeWatches(facade, follower, services.store, services.validator),
      },
      { provide: KUBE_OPENAPI, useValue: publishKubeOpenApi(services.kinds.all, services.validator) },
      { provide: APP_GUARD, useClass: PermissionGuard },
      { provide: APP_FILTER, useValue: new StatusFilter(services.config.bodyLimit, services.denials) },
    ];
    return { module: HttpModule, controllers: ROUTES, providers: values };
  }
}
