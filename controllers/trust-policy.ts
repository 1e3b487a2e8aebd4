/**
 * TrustPolicy (docs/federation.md, "TrustPolicy readiness"). Type oidc: Ready once the issuer's
 * discovery document and JWKS have been fetched into the process's JwksCache with at least one
 * usable key; the reconciler comes back before the cache lifetime ends, so the keys are refreshed
 * while the old ones still serve. Type x509: Ready once every anchor (PEM, or a Steward
 * CertificateAuthority's certificate) is a CA certificate within its validity.
 */
import { inspectCaCertificate } from '../src/attestation/anchors.js';
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { conditionOf, isReady, ready } from '../src/engine/controller.js';
import type { TrustPolicySpec, TrustPolicyStatus } from '../src/kinds/generated/v1/trustpolicy.js';
import { LINT_CODES, type LintWarning, lintPolicy } from '../src/federation/lint-policy.js';
import type { JwksCache, JwksResult } from '../src/trust/jwks-cache.js';

export const TrustPolicyReason = {
  /** Type oidc: the JWKS was fetched and holds at least one usable key; status lists their ids. */
  KeysDiscovered: 'KeysDiscovered',
  /** The discovery document or the JWKS could not be fetched (network, timeout, HTTP error). */
  IssuerUnreachable: 'IssuerUnreachable',
  /** The discovery document is not JSON, names another issuer, has no jwks_uri, or the JWKS is malformed or too big. */
  DiscoveryInvalid: 'DiscoveryInvalid',
  /** The JWKS holds no public signing key with an allowed (asymmetric) algorithm. */
  NoUsableKeys: 'NoUsableKeys',
  /** Type x509: every anchor is a CA certificate within its validity. */
  AnchorsValid: 'AnchorsValid',
  /** An anchor does not parse, is not a CA certificate, or is outside its validity; the message names it. */
  AnchorInvalid: 'AnchorInvalid',
  /** The referenced CertificateAuthority does not exist or is not Ready. */
  CertificateAuthorityNotReady: 'CertificateAuthorityNotReady',
} as const;

export const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** After a failure, try again this soon (the JwksCache is per process, so every process retries). */
const RETRY_AFTER_FAILURE_MS = 60_000;
/** x509 anchors are checked again at least daily (their validity ends). */
const RECHECK_ANCHORS_MS = 24 * 60 * 60 * 1000;

/** The referenced CertificateAuthority as observed. */
export interface ObservedCa {
  name: string;
  /** Ready for its current generation, with its certificate. */
  ready: boolean;
  certificate?: string;
  /** Why not ready (its Ready message), or that it does not exist. */
  why?: string;
}

export type TrustPolicyObservation = { type: 'oidc'; jwks: JwksResult } | { type: 'x509'; ca?: ObservedCa };

/** The condition reporting the lint (docs/federation.md, "Lint"); it never affects Ready. */
export const LINTED = 'Linted';

/** Reasons of the `Linted` condition, whose status is `True` whenever the lint ran. */
export const LintReason = {
  /** No warning: the claim rules pin owner, repository, workflow and environment as advised. */
  Clean: 'Clean',
  /** At least one warning; the message lists each as `CODE: message`, status.warnings holds them. */
  Warnings: 'Warnings',
} as const;

/** Warnings that concern claim rules, which x509 policies do not have. */
const CLAIM_LINTS: ReadonlySet<string> = new Set([
  LINT_CODES.singleConstraint,
  LINT_CODES.noOwnerPin,
  LINT_CODES.ownerPinnedByNameOnly,
  LINT_CODES.refWithoutWorkflow,
  LINT_CODES.writeWithoutEnvironment,
]);

/**
 * The policy's lint: warnings about weak claim rules or broad permissions (for x509 policies, the
 * permissions only). Advises, never refuses: a `Linted` condition beside `Ready`. Pure.
 */
export function lintTrustPolicy(spec: TrustPolicySpec, allWrites: readonly string[] = []): LintWarning[] {
  const warnings = lintPolicy(spec.claims ?? {}, spec.permissions ?? [], { allWrites });
  return spec.type === 'x509' ? warnings.filter((warning) => !CLAIM_LINTS.has(warning.code)) : warnings;
}

/** Pure: the same spec, observation and time give the same result. */
export function decideTrustPolicy(
  spec: TrustPolicySpec,
  observation: TrustPolicyObservation,
  now: Date,
  options: { allWrites?: readonly string[] } = {},
): ReconcileResult<TrustPolicyStatus> {
  const decided =
    observation.type === 'oidc'
      ? decideOidc(spec.issuer ?? DEFAULT_ISSUER, observation.jwks, now)
      : decideX509(spec, observation.ca, now);
  const warnings = lintTrustPolicy(spec, options.allWrites);
  return {
    ...decided,
    status: { ...decided.status, warnings },
    conditions: [
      ...decided.conditions,
      warnings.length === 0
        ? { type: LINTED, status: 'True', reason: LintReason.Clean, message: 'no lint warnings' }
        : {
            type: LINTED,
            status: 'True',
            reason: LintReason.Warnings,
            message: warnings.map((warning) => `${warning.code}: ${warning.message}`).join('; '),
          },
    ],
  };
}

function decideOidc(issuer: string, jwks: JwksResult, now: Date): ReconcileResult<TrustPolicyStatus> {
  if (!jwks.ok)
    return {
      conditions: [ready('False', jwks.reason, `${issuer}: ${jwks.message}`)],
      requeueAfter: RETRY_AFTER_FAILURE_MS,
    };
  const { keys } = jwks;
  return {
    status: {
      jwksUri: keys.jwksUri,
      keyIds: keys.keyIds,
      keysFetchedAt: keys.fetchedAt.toISOString(),
      keysExpireAt: keys.expiresAt.toISOString(),
    },
    conditions: [
      ready(
        'True',
        TrustPolicyReason.KeysDiscovered,
        `${keys.keys.length} usable key(s) of ${issuer} (${keys.keyIds.join(', ') || 'no key ids'}), cached until ${keys.expiresAt.toISOString()}`,
      ),
    ],
    // Back at the refresh time (before the lifetime ends), never in a busy loop.
    requeueAfter: Math.max(1_000, keys.refreshAt.getTime() - now.getTime()),
  };
}

function decideX509(
  spec: TrustPolicySpec,
  ca: ObservedCa | undefined,
  now: Date,
): ReconcileResult<TrustPolicyStatus> {
  const problems: string[] = [];
  const subjects: string[] = [];
  let firstExpiry = Infinity;
  const inspect = (pem: string, where: string) => {
    const inspection = inspectCaCertificate(pem, now);
    if (!inspection.ok) problems.push(`${where} ${inspection.problem}`);
    else {
      subjects.push(inspection.subject);
      firstExpiry = Math.min(firstExpiry, inspection.notAfter.getTime());
    }
  };
  for (const [index, pem] of (spec.x509?.anchors ?? []).entries()) inspect(pem, `x509.anchors[${index}]`);
  if (ca?.ready && ca.certificate) inspect(ca.certificate, `CertificateAuthority "${ca.name}"`);
  const status = { anchors: subjects };
  if (problems.length > 0)
    return { status, conditions: [ready('False', TrustPolicyReason.AnchorInvalid, problems.join('; '))] };
  if (ca && !(ca.ready && ca.certificate))
    return {
      status,
      conditions: [
        ready(
          'False',
          TrustPolicyReason.CertificateAuthorityNotReady,
          `CertificateAuthority "${ca.name}" ${ca.why ?? 'is not Ready'}`,
        ),
      ],
    };
  return {
    status,
    conditions: [
      ready('True', TrustPolicyReason.AnchorsValid, `${subjects.length} anchor(s): ${subjects.join('; ')}`),
    ],
    requeueAfter: Math.max(1_000, Math.min(RECHECK_ANCHORS_MS, firstExpiry - now.getTime() + 1_000)),
  };
}

/** The TrustPolicy reconciler over the process's JwksCache (shared with the token exchanges). */
export function createTrustPolicyController(
  jwks: JwksCache,
  /** `allWrites`: every area's write permission (the catalogue's `kindWrite`), for the WideWrite lint. */
  { allWrites = [] }: { allWrites?: readonly string[] } = {},
): Controller<TrustPolicySpec, TrustPolicyStatus, TrustPolicyObservation> {
  return {
    kind: 'TrustPolicy',
    references: [{ path: ['spec', 'x509', 'caRef', 'name'], kind: 'CertificateAuthority' }],
    async observe(policy, { read }) {
      if (policy.spec.type !== 'x509')
        return { type: 'oidc', jwks: await jwks.keysFor(policy.spec.issuer ?? DEFAULT_ISSUER) };
      const name = policy.spec.x509?.caRef?.name;
      if (!name) return { type: 'x509' };
      const ca = await read.get('CertificateAuthority', name);
      if (!ca) return { type: 'x509', ca: { name, ready: false, why: 'does not exist' } };
      const certificate = (ca.status as { certificate?: string }).certificate;
      return {
        type: 'x509',
        ca: {
          name,
          ready: isReady(ca),
          certificate,
          why: `is not Ready: ${conditionOf(ca)?.message ?? 'not reconciled yet'}`,
        },
      };
    },
    plan: (policy, observation, now) => decideTrustPolicy(policy.spec, observation, now, { allWrites }),
  };
}
