import type { Database } from '../store/database.js';
import { ApiKeyService } from './api-key-service.js';
import type { Authenticator } from './authenticator.js';
import { LoginLimiter } from './login-limits.js';
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

/**
 * `identityKey` is per install and the same in every process of it (derived from the master key):
 * it keys the login limits' rows and the journal's pseudonyms of unknown usernames.
 */
export function createIdentityServices(
  db: Database,
  authenticator: Authenticator,
  options: { sessionTtlSeconds: number; identityKey: Buffer; clock?: () => Date },
): IdentityServices {
  const clock = options.clock ?? (() => new Date());
  const deps = { db, authenticator, clock };
  // One key, two uses kept apart by the HMAC inputs' prefixes (login-limits.ts, session-service.ts).
  const limits = new LoginLimiter(db, options.identityKey, clock);
  return {
    sessions: new SessionService(deps, options.sessionTtlSeconds, limits, options.identityKey),
    apiKeys: new ApiKeyService(deps),
    users: new UserService(deps),
    tenants: new TenantService(deps),
  };
}
