import type { Database } from '../store/database.js';
import { ApiKeyService } from './api-key-service.js';
import type { Authenticator } from './authenticator.js';
import { SessionService } from './session-service.js';
import { TenantService } from './tenant-service.js';
import { UserService } from './user-service.js';

/** The identity services, built once by the composition root over one database, authenticator and clock. */
export interface IdentityServices {
  sessions: SessionService;
  apiKeys: ApiKeyService;
  users: UserService;
  tenants: TenantService;
}

export function createIdentityServices(
  db: Database,
  authenticator: Authenticator,
  sessionTtlSeconds: number,
  clock: () => Date = () => new Date(),
): IdentityServices {
  const deps = { db, authenticator, clock };
  return {
    sessions: new SessionService(deps, sessionTtlSeconds),
    apiKeys: new ApiKeyService(deps),
    users: new UserService(deps),
    tenants: new TenantService(deps),
  };
}
