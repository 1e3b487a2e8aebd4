/**
 * `POST /api/v1/auth/x5c/token`: a client certificate for a short-lived Steward token, as the step
 * CLI's x5c tokens do (docs/federation.md, "x5c tokens"). The client signs a short JWT with its
 * certificate's key and carries the chain in `x5c`; the audience names the tenant. Each Ready
 * `type: x509` policy of the tenant is tried in order (more subject rules first, then by name):
 * its anchors must issue the chain (revocation looked up in Steward's own records when the anchor
 * is a Steward CA) and its subject rules must hold. The token's id is spent once a policy is
 * chosen, so trying several policies never refuses a token as its own replay.
 */
import { X509Certificate } from 'node:crypto';
import type { MintRefusal, TokenService } from '../auth/token-service.js';
import { type Actor, systemContext } from '../context.js';
import { show } from '../federation/verify-token.js';
import { matchSubject, type SubjectMismatch, verifyX5cToken, type X5cVerdict } from '../federation/x5c.js';
import type { IssuedRepository } from '../pki/issued-repository.js';
import type { ExchangeRefusals } from './exchange-refusals.js';
import {
  EXCHANGE_REASONS,
  type ExchangeRequest,
  type ExchangeResult,
  type ExchangeSettings,
  exchangedLifetime,
  POLICY_CHANGED_MESSAGE,
} from './oidc-exchange.js';
import type { PolicyEntry, TrustPolicyDirectory } from './policy-directory.js';
import type { ReplayClaim, ReplayStore } from './replay-store.js';
import { audienceOf, tenantOfToken } from './token-audience.js';

/** The order a failure happened in: the policy whose verification got furthest explains the refusal. */
const CHECKS = [
  'format',
  'certificates',
  'signature',
  'chain',
  'validity',
  'usage',
  'revocation',
  'audience',
  'lifetime',
  'subject',
  'replay',
];
const REPLAY_SCOPE = 'x5c';

export interface X5cExchangeDeps {
  directory: TrustPolicyDirectory;
  issued: IssuedRepository;
  replays: ReplayStore;
  tokens: TokenService;
  refusals: ExchangeRefusals;
  settings: ExchangeSettings;
  grants: (tenant: string, permissions: readonly string[]) => string[];
  now?: () => number;
}

interface Anchor {
  pem: string;
  /** The Steward CertificateAuthority it is, for revocation lookups. */
  caName?: string;
}

export class X5cExchange {
  constructor(private readonly deps: X5cExchangeDeps) {}

  async exchange(token: string, request: ExchangeRequest): Promise<ExchangeResult> {
    const { settings, refusals } = this.deps;
    refusals.admit(request);
    const { tenant } = await tenantOfToken(token, settings.publicHost, refusals, request);
    const policies = orderX509(
      (await this.deps.directory.policies(tenant)).filter((p) => p.type === 'x509' && p.ready),
    );
    if (policies.length === 0)
      return refusals.refuse(
        tenant,
        request,
        EXCHANGE_REASONS.noPolicyMatched,
        `tenant ${tenant} has no Ready trust policy of type x509`,
      );

    let furthest: { verdict: Extract<X5cVerdict, { ok: false }>; policy: string } | undefined;
    let closest: { policy: string; mismatches: SubjectMismatch[] } | undefined;
    for (const policy of policies) {
      const anchors = this.anchorsOf(policy);
      let spent: ReplayClaim | undefined;
      const guard = this.deps.replays.guard(REPLAY_SCOPE, (claim) => {
        spent = claim;
      });
      const verdict = await verifyX5cToken(token, {
        audience: audienceOf(tenant, settings.publicHost),
        anchors: anchors.map((anchor) => anchor.pem),
        replayGuard: guard,
        isRevoked: (serial, issuerPem) => this.isRevoked(tenant, anchors, serial, issuerPem),
        now: this.deps.now,
      });
      if (!verdict.ok) {
        if (!furthest || CHECKS.indexOf(verdict.check) > CHECKS.indexOf(furthest.verdict.check))
          furthest = { verdict, policy: policy.name };
        continue;
      }
      const mismatches = matchSubject(policy.x509?.subject, verdict.leaf);
      if (mismatches.length > 0) {
        if (!closest || mismatches.length < closest.mismatches.length)
          closest = { policy: policy.name, mismatches };
        continue;
      }
      const minted = await this.mint(tenant, policy, verdict, request, spent);
      if (!('refused' in minted)) return minted;
      return minted.refused === 'Replayed'
        ? refusals.refuse(
            tenant,
            request,
            'Replayed',
            `replay: token id ${show(verdict.claims.jti)} was already presented with this certificate; a token is used once`,
            { check: 'replay' },
          )
        : refusals.refuse(
            tenant,
            request,
            EXCHANGE_REASONS.policyChanged,
            POLICY_CHANGED_MESSAGE(policy.name),
            {
              check: 'policy',
            },
          );
    }
    if (closest)
      return refusals.refuse(
        tenant,
        request,
        EXCHANGE_REASONS.noPolicyMatched,
        `no trust policy matches; closest ${JSON.stringify(closest.policy)}: ${closest.mismatches.map((m) => `${m.rule}: want ${m.want}, got ${m.got}`).join('; ')}`,
        { check: 'policy', closest: closest.policy, mismatches: closest.mismatches },
      );
    const failure = furthest?.verdict;
    return refusals.refuse(
      tenant,
      request,
      failure?.reason ?? EXCHANGE_REASONS.noPolicyMatched,
      `${failure?.message ?? 'no trust policy accepts the certificate'}${policies.length > 1 ? ` (trust policy ${JSON.stringify(furthest?.policy)}; ${policies.length} tried)` : ''}`,
      { check: failure?.check },
    );
  }

  private async mint(
    tenant: string,
    policy: PolicyEntry,
    verdict: Extract<X5cVerdict, { ok: true }>,
    request: ExchangeRequest,
    replay: ReplayClaim | undefined,
  ): Promise<ExchangeResult | { refused: MintRefusal }> {
    const subject = verdict.leaf.subject;
    const actor: Actor = {
      type: 'certificate',
      id: verdict.leaf.serial,
      name: `${policy.name}:${subject}`.slice(0, 200),
    };
    const minted = await this.deps.tokens.mint(
      {
        tenant,
        replay,
        policyGeneration: policy.generation,
        type: 'x509',
        policy: policy.name,
        subject,
        certificate: verdict.leaf.fingerprint,
        permissions: policy.permissions,
        lifetimeSeconds: exchangedLifetime(policy, this.deps.settings.defaultTtlSeconds),
        record: {
          operation: 'auth.exchange',
          kind: 'TrustPolicy',
          name: policy.name,
          result: 'success',
          reason: `x5c subject "${subject}" serial ${verdict.leaf.serial} under "${verdict.anchorSubject}"`,
        },
      },
      systemContext(tenant, actor, request.requestId, request.source),
    );
    if ('refused' in minted) return minted;
    return { ...minted, policy: policy.name, permissions: this.deps.grants(tenant, policy.permissions) };
  }

  /** The policy's anchors: its PEMs and its CertificateAuthority's certificate (read with the policies). */
  private anchorsOf(policy: PolicyEntry): Anchor[] {
    const anchors: Anchor[] = (policy.x509?.anchors ?? []).map((pem) => ({ pem }));
    const caName = policy.x509?.caRef?.name;
    if (caName && policy.caCertificate) anchors.push({ pem: policy.caCertificate, caName });
    return anchors;
  }

  /**
   * Revoked per Steward's own records when the issuer is a Steward CA anchor (what its CRL is made
   * from, and fresher than a published CRL); a certificate of another issuer has no record here.
   */
  private async isRevoked(
    tenant: string,
    anchors: Anchor[],
    serial: string,
    issuerPem: string,
  ): Promise<boolean> {
    const issuer = fingerprintOf(issuerPem);
    const ca = anchors.find((anchor) => anchor.caName && fingerprintOf(anchor.pem) === issuer);
    if (!ca?.caName) return false;
    const row = await this.deps.issued.find(tenant, ca.caName, serial);
    return row !== undefined && row.revoked_at !== null;
  }
}

/** SHA-256 fingerprints of anchor PEMs, computed once each (anchors are few and stay the same). */
const fingerprints = new Map<string, string>();

function fingerprintOf(pem: string): string {
  let fingerprint = fingerprints.get(pem);
  if (fingerprint === undefined) {
    fingerprint = new X509Certificate(pem).fingerprint256;
    if (fingerprints.size >= 1024) fingerprints.clear();
    fingerprints.set(pem, fingerprint);
  }
  return fingerprint;
}

/** More subject rules first, then by name: the most specific policy is tried first. Pure. */
export function orderX509(policies: readonly PolicyEntry[]): PolicyEntry[] {
  const weight = (policy: PolicyEntry) => {
    const subject = policy.x509?.subject ?? {};
    return (subject.commonName ? 1 : 0) + (subject.dnsNames?.length ?? 0) + (subject.uris?.length ?? 0);
  };
  return [...policies].sort(
    (a, b) => weight(b) - weight(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
