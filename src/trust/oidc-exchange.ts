/**
 * `POST /api/v1/auth/oidc/token`: a CI job's OIDC token for a short-lived Steward token
 * (docs/federation.md). The audience names the tenant (`<tenant>.<public host>`), the issuer picks
 * the tenant's Ready policies that trust it; then verifyOidcToken's checks in their order, the
 * first matching policy in the documented order, and a token minted with that policy's
 * permissions for min(its maxSessionSeconds, the server default) — never over an hour.
 */
import type { MintedToken, TokenService } from '../auth/token-service.js';
import type { Actor } from '../context.js';
import { systemContext } from '../context.js';
import { UnavailableError } from '../errors.js';
import { choosePolicy, describeNoMatch } from '../federation/choose-policy.js';
import { TOKEN_REASONS } from '../federation/reasons.js';
import { type OidcClaims, show, verifyOidcToken } from '../federation/verify-token.js';
import type { ExchangeRefusals } from './exchange-refusals.js';
import { IssuerKeysUnavailableError, type JwksCache } from './jwks-cache.js';
import type { PolicyEntry, TrustPolicyDirectory } from './policy-directory.js';
import type { ReplayClaim, ReplayStore } from './replay-store.js';
import { audienceOf, tenantOfToken } from './token-audience.js';

/** The claims journaled with an exchange: who and what ran, never anything secret. */
export const JOURNALED_CLAIMS = [
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'ref',
  'sha',
  'job_workflow_ref',
  'workflow',
  'environment',
  'event_name',
  'run_id',
  'run_attempt',
  'actor',
] as const;

/** Reasons of refusals that come before or after verifyOidcToken's own. */
export const EXCHANGE_REASONS = {
  /** The audience does not name a tenant of this server. */
  unknownAudience: 'AudienceMismatch',
  /** No Ready policy of the tenant trusts the token's issuer. */
  untrustedIssuer: 'IssuerMismatch',
  /** The token passed every check but no policy's claim rules match it. */
  noPolicyMatched: 'NoPolicyMatched',
  /** The chosen policy was changed or deleted while the token was being exchanged: try again. */
  policyChanged: 'PolicyChanged',
} as const;

/** The refusal of a mint whose policy changed or went between the choice and the mint. */
export const POLICY_CHANGED_MESSAGE = (policy: string) =>
  `policy: trust policy "${policy}" was changed or deleted during the exchange; nothing was minted (try again)`;

export interface ExchangeSettings {
  publicHost: string;
  /** A token's lifetime when its policy says 0, and the cap of every policy's (≤ 3600 s). */
  defaultTtlSeconds: number;
}

export interface ExchangeRequest {
  requestId: string;
  source?: string;
}

export interface OidcExchangeDeps {
  directory: TrustPolicyDirectory;
  jwks: JwksCache;
  replays: ReplayStore;
  tokens: TokenService;
  refusals: ExchangeRefusals;
  settings: ExchangeSettings;
  /** The permissions a token minted with `permissions` holds (what the authenticator will grant). */
  grants: (tenant: string, permissions: readonly string[]) => string[];
  now?: () => number;
}

export interface ExchangeResult extends MintedToken {
  policy: string;
  permissions: string[];
}

/** The refusal of a token whose id another exchange claimed first (found at the mint, not before). */
export const REPLAYED_MESSAGE = (jti: unknown) =>
  `replay: token id ${show(jti)} was already exchanged; a token is used once`;

/** A token's lifetime under a policy: min(policy or default, default), never over an hour. Pure. */
export function exchangedLifetime(
  policy: Pick<PolicyEntry, 'maxSessionSeconds'>,
  defaultSeconds: number,
): number {
  const wanted = policy.maxSessionSeconds > 0 ? policy.maxSessionSeconds : defaultSeconds;
  return Math.min(wanted, defaultSeconds, 3600);
}

export class OidcExchange {
  constructor(private readonly deps: OidcExchangeDeps) {}

  /** Exchanges `token`; throws TokenRefusedError naming the failed check, UnavailableError when the issuer's keys cannot be had. */
  async exchange(token: string, request: ExchangeRequest): Promise<ExchangeResult> {
    const { settings, refusals } = this.deps;
    refusals.admit(request);
    // Unverified, only to find the tenant and issuer whose keys verify it; every claim is checked after.
    const { tenant, claims: unverified } = await tenantOfToken(token, settings.publicHost, refusals, request);
    const { iss } = unverified;
    const all = await this.deps.directory.policies(tenant);
    const ready = all.filter((policy) => policy.type === 'oidc' && policy.ready);
    const candidates = ready.filter((policy) => policy.issuer === iss);
    if (candidates.length === 0)
      return refusals.refuse(
        tenant,
        request,
        EXCHANGE_REASONS.untrustedIssuer,
        ready.length === 0
          ? `issuer: tenant ${tenant} has no Ready trust policy of type oidc`
          : `issuer: no Ready trust policy of tenant ${tenant} trusts ${show(iss)}; trusted: ${[...new Set(ready.map((policy) => policy.issuer))].join(', ')}`,
      );
    const issuer = iss as string;
    let claim: ReplayClaim | undefined;
    let verdict: Awaited<ReturnType<typeof verifyOidcToken>>;
    try {
      verdict = await verifyOidcToken(token, {
        issuer,
        audience: audienceOf(tenant, settings.publicHost),
        keyFor: (kid) => this.deps.jwks.keyFor(issuer, kid),
        replayGuard: this.deps.replays.guard(issuer, (taken) => {
          claim = taken;
        }),
        // Per policy, the choice below: a pull_request_target token only matches one that opts in.
        allowPullRequestTarget: candidates.some((policy) => policy.allowPullRequestTarget),
        now: this.deps.now,
      });
    } catch (error) {
      if (error instanceof IssuerKeysUnavailableError)
        throw new UnavailableError(
          `the keys of ${issuer} cannot be had now: ${error.message}; try again later`,
        );
      throw error;
    }
    if (!verdict.ok)
      return refusals.refuse(tenant, request, verdict.reason, verdict.message, { check: verdict.check });
    const { claims } = verdict;
    const choice = choosePolicy(candidates, claims);
    if (choice.chosen === undefined)
      return refusals.refuse(tenant, request, EXCHANGE_REASONS.noPolicyMatched, describeNoMatch(choice), {
        check: 'policy',
        closest: choice.closest?.policy.name,
        mismatches: choice.closest?.mismatches.map(({ rule, want, got }) => ({ rule, want, got })),
      });
    const policy = choice.chosen;
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    const actor: Actor = {
      type: 'oidc',
      id: subject.slice(0, 200),
      name: `${policy.name}:${subject}`.slice(0, 200),
    };
    const minted = await this.deps.tokens.mint(
      {
        tenant,
        replay: claim,
        policyGeneration: policy.generation,
        type: 'oidc',
        policy: policy.name,
        subject,
        permissions: policy.permissions,
        lifetimeSeconds: exchangedLifetime(policy, settings.defaultTtlSeconds),
        record: {
          operation: 'auth.exchange',
          kind: 'TrustPolicy',
          name: policy.name,
          result: 'success',
          reason: `oidc ${issuer}; ${journaledClaims(claims)}`,
        },
      },
      systemContext(tenant, actor, request.requestId, request.source),
    );
    if ('refused' in minted)
      return minted.refused === 'Replayed'
        ? refusals.refuse(tenant, request, TOKEN_REASONS.replayed, REPLAYED_MESSAGE(claims.jti), {
            check: 'replay',
          })
        : refusals.refuse(
            tenant,
            request,
            EXCHANGE_REASONS.policyChanged,
            POLICY_CHANGED_MESSAGE(policy.name),
            {
              check: 'policy',
            },
          );
    return { ...minted, policy: policy.name, permissions: this.deps.grants(tenant, policy.permissions) };
  }
}

/** The non-secret claims of a token as one line for the journal: `repository=acme/infra ref=…`. Pure. */
export function journaledClaims(claims: OidcClaims): string {
  return JOURNALED_CLAIMS.filter((name) => claims[name] !== undefined)
    .map((name) => `${name}=${String(claims[name]).slice(0, 256)}`)
    .join(' ');
}
