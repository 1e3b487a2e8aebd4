/**
 * `POST /api/v1/trustpolicies/explain`: for a claim set or a token, which rules of every OIDC
 * TrustPolicy of the caller's tenant matched and which did not, and which policy an exchange would
 * pick. A token's checks are run as the exchange runs them, except that its id is only looked up
 * in the replay store, never recorded (explaining a token does not use it up), and a signature
 * that cannot be checked (issuer unreachable) is reported, not fatal.
 */
import { decodeJwt } from 'jose';
import type { ExplainAnswer, PolicyVerdict, TokenCheckOutcome } from '../contract/federation.js';
import { choosePolicy, describeNoMatch, explain } from '../federation/choose-policy.js';
import type { RuleMismatch } from '../federation/claim-rules.js';
import type { TokenCheck } from '../federation/reasons.js';
import { type OidcClaims, verifyOidcToken } from '../federation/verify-token.js';
import { IssuerKeysUnavailableError, type JwksCache } from './jwks-cache.js';
import type { TrustPolicyDirectory } from './policy-directory.js';
import type { ReplayStore } from './replay-store.js';
import { audienceOf } from './token-audience.js';

const CHECK_ORDER: readonly TokenCheck[] = [
  'format',
  'signature',
  'issuer',
  'audience',
  'lifetime',
  'replay',
  'event',
];

export interface ExplainDeps {
  directory: TrustPolicyDirectory;
  jwks: JwksCache;
  replays: ReplayStore;
  publicHost: string;
  now?: () => number;
}

export class TrustPolicyExplainer {
  constructor(private readonly deps: ExplainDeps) {}

  async explain(tenant: string, input: { claims?: OidcClaims; token?: string }): Promise<ExplainAnswer> {
    let claims: OidcClaims = input.claims ?? {};
    let tokenChecks: TokenCheckOutcome[] | undefined;
    const policies = (await this.deps.directory.policies(tenant)).filter((policy) => policy.type === 'oidc');
    if (input.token !== undefined) {
      tokenChecks = await this.checkToken(
        tenant,
        input.token,
        new Set(policies.map((policy) => policy.issuer)),
      );
      try {
        claims = decodeJwt(input.token);
      } catch {
        claims = {};
      }
    }
    const byName = new Map(policies.map((policy) => [policy.name, policy]));
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    const issuerMatches = (issuer: string) => iss === undefined || iss === issuer;
    const explanation = explain(policies, claims);
    const eligible = policies.filter((policy) => policy.ready && issuerMatches(policy.issuer));
    const choice = choosePolicy(eligible, claims);
    const verdicts = explanation.policies.map((explained): PolicyVerdict => {
      const policy = byName.get(explained.name);
      const issuer = policy?.issuer ?? '';
      return {
        name: explained.name,
        position: explained.position,
        ready: policy?.ready ?? false,
        ...(policy?.ready ? {} : { readyMessage: policy?.readyMessage }),
        issuer,
        issuerMatches: issuerMatches(issuer),
        matched: explained.rules.filter((rule) => rule.matched).map((rule) => rule.rule),
        mismatched: explained.mismatches.map(({ rule, want, got }: RuleMismatch) => ({ rule, want, got })),
        wildcards: [...explained.wildcards],
        differences: explained.differences,
      };
    });
    const notUsable = verdicts.filter(
      (verdict) => verdict.mismatched.length === 0 && (!verdict.ready || !verdict.issuerMatches),
    );
    const message =
      choice.chosen !== undefined
        ? `an exchange would pick trust policy ${JSON.stringify(choice.chosen.name)}`
        : [
            describeNoMatch(choice),
            ...notUsable.map((verdict) =>
              verdict.ready
                ? `"${verdict.name}" matches the claims but trusts the issuer ${verdict.issuer}, not ${iss}`
                : `"${verdict.name}" matches the claims but is not Ready: ${verdict.readyMessage}`,
            ),
          ].join('; ');
    return {
      ...(tokenChecks ? { tokenChecks } : {}),
      claims,
      policies: verdicts,
      chosen: choice.chosen?.name ?? null,
      message,
    };
  }

  /**
   * The exchange's token checks, in order, up to the first that fails. Keys are looked up only for
   * an issuer one of the tenant's policies trusts: explain never makes Steward fetch from a host a
   * caller names.
   */
  private async checkToken(
    tenant: string,
    token: string,
    trusted: ReadonlySet<string>,
  ): Promise<TokenCheckOutcome[]> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      iss = undefined;
    }
    const issuer = typeof iss === 'string' ? iss : '';
    let keysMissing = false;
    let untrusted = false;
    const verdict = await verifyOidcToken(token, {
      issuer,
      audience: audienceOf(tenant, this.deps.publicHost),
      keyFor: async (kid) => {
        if (!trusted.has(issuer)) {
          untrusted = true;
          return undefined;
        }
        try {
          return await this.deps.jwks.keyFor(issuer, kid);
        } catch (error) {
          if (!(error instanceof IssuerKeysUnavailableError)) throw error;
          keysMissing = true;
          return undefined;
        }
      },
      replayGuard: this.deps.replays.peekGuard(issuer),
      allowPullRequestTarget: true,
      now: this.deps.now,
    });
    const failedAt = verdict.ok ? CHECK_ORDER.length : CHECK_ORDER.indexOf(verdict.check);
    const outcomes: TokenCheckOutcome[] = CHECK_ORDER.slice(0, failedAt).map((check) => ({
      check,
      ok: true,
    }));
    if (!verdict.ok)
      outcomes.push(
        untrusted
          ? {
              check: 'signature',
              ok: null,
              message: `signature: not checked, no trust policy of this tenant trusts the issuer ${issuer || '(none)'}`,
            }
          : keysMissing
            ? {
                check: 'signature',
                ok: null,
                message: `signature: not checked, the keys of ${issuer || 'the issuer'} cannot be had now`,
              }
            : { check: verdict.check, ok: false, reason: verdict.reason, message: verdict.message },
      );
    return outcomes;
  }
}
