/**
 * The federation's services, built once by the composition root: the replay store, the policy
 * directory, the OIDC (and client-certificate) exchanges, explain and the minted tokens.
 */
import type { Authenticator } from '../auth/authenticator.js';
import { mintedPermissions } from '../auth/principal.js';
import { TokenService } from '../auth/token-service.js';
import type { FederationConfig } from '../config.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { IssuedRepository } from '../pki/issued-repository.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { ExchangeRefusals } from './exchange-refusals.js';
import { TrustPolicyExplainer } from './explain.js';
import type { JwksCache } from './jwks-cache.js';
import { OidcExchange } from './oidc-exchange.js';
import { currentPolicies, TrustPolicyDirectory } from './policy-directory.js';
import { ReplayStore } from './replay-store.js';
import { X5cExchange } from './x5c-exchange.js';

export interface FederationDeps {
  db: Database;
  store: ResourceStore;
  changes: ChangeFeed;
  journal: JournalWriter;
  authenticator: Authenticator;
  jwks: JwksCache;
  issued: IssuedRepository;
  config: FederationConfig;
  clock: () => Date;
}

export function createFederationServices(deps: FederationDeps) {
  const now = () => deps.clock().getTime();
  const replays = new ReplayStore(deps.db, now);
  const directory = new TrustPolicyDirectory(deps.store, deps.changes, now);
  const tokens = new TokenService(
    { db: deps.db, authenticator: deps.authenticator, clock: deps.clock },
    deps.journal,
    replays,
    currentPolicies(deps.db),
  );
  // What a minted token will hold (the authenticator grants no unknown or session-only permission).
  const grants = (tenant: string, permissions: readonly string[]) =>
    mintedPermissions(deps.authenticator.permissions, 'oidc', permissions, undefined, tenant);
  const refusals = new ExchangeRefusals(deps.db, deps.authenticator);
  const settings = {
    publicHost: deps.config.publicHost,
    defaultTtlSeconds: deps.config.exchangedTokenTtlSeconds,
  };
  return {
    settings,
    replays,
    directory,
    tokens,
    refusals,
    oidc: new OidcExchange({ directory, jwks: deps.jwks, replays, tokens, refusals, settings, grants, now }),
    x5c: new X5cExchange({
      directory,
      issued: deps.issued,
      replays,
      tokens,
      refusals,
      settings,
      grants,
      now,
    }),
    explainer: new TrustPolicyExplainer({
      directory,
      jwks: deps.jwks,
      replays,
      publicHost: settings.publicHost,
      now,
    }),
  };
}

export type FederationServices = ReturnType<typeof createFederationServices>;
