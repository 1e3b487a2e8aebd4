/**
 * A tenant's TrustPolicies as the token exchanges need them: read once a second at most per
 * tenant (an exchange is a hot path), and at once after a policy is applied or deleted through
 * this process (the change feed). A status transition seen by another process (Ready, not Ready)
 * takes effect within a second.
 */

import type { CurrentPolicies } from '../auth/token-service.js';
import { conditionOf, isReady } from '../engine/controller.js';
import type { ClaimRules } from '../federation/claim-rules.js';
import type { TrustPolicySpec } from '../kinds/generated/v1/trustpolicy.js';
import type { StoredResource } from '../resources/model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';

export const TRUST_POLICY = 'TrustPolicy';
const CERTIFICATE_AUTHORITY = 'CertificateAuthority';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
const TTL_MS = 1_000;

/** One policy, flattened for the exchanges and explain. */
export interface PolicyEntry {
  name: string;
  /** The generation read: a mint is refused if the policy changed or went since (TokenService). */
  generation: number;
  type: 'oidc' | 'x509';
  issuer: string;
  rules: ClaimRules;
  permissions: string[];
  /** 0: the server default. */
  maxSessionSeconds: number;
  allowPullRequestTarget: boolean;
  x509?: TrustPolicySpec['x509'];
  /** Ready for its current generation: only then is it used to mint. */
  ready: boolean;
  /** Why not Ready (its condition's message), for explain. */
  readyMessage?: string;
  /** Type x509 with a caRef: the CertificateAuthority's certificate, when it has one. */
  caCertificate?: string;
}

export function policyEntry(resource: StoredResource<TrustPolicySpec>): PolicyEntry {
  const { spec } = resource;
  return {
    name: resource.name,
    generation: resource.generation,
    type: spec.type ?? 'oidc',
    issuer: spec.issuer ?? DEFAULT_ISSUER,
    rules: { ...(spec.claims ?? {}) },
    permissions: [...(spec.permissions ?? [])],
    maxSessionSeconds: spec.maxSessionSeconds ?? 3600,
    allowPullRequestTarget: spec.allowPullRequestTarget === true,
    x509: spec.x509,
    ready: isReady(resource),
    readyMessage: conditionOf(resource)?.message ?? 'not reconciled yet',
  };
}

export class TrustPolicyDirectory {
  private readonly cache = new Map<string, { at: number; entries: Promise<PolicyEntry[]> }>();

  constructor(
    private readonly store: ResourceStore,
    changes: ChangeFeed,
    private readonly now: () => number = Date.now,
  ) {
    changes.subscribe((keys) => {
      for (const key of keys)
        if (key.kind === TRUST_POLICY || key.kind === CERTIFICATE_AUTHORITY) this.cache.delete(key.tenant);
    });
  }

  /** Every TrustPolicy of `tenant`, Ready or not, in name order. */
  policies(tenant: string): Promise<PolicyEntry[]> {
    const cached = this.cache.get(tenant);
    if (cached && this.now() - cached.at < TTL_MS) return cached.entries;
    const entries = this.load(tenant);
    this.cache.set(tenant, { at: this.now(), entries });
    // A failed read is not remembered: the next exchange reads again.
    entries.catch(() => this.cache.delete(tenant));
    return entries;
  }

  private async load(tenant: string): Promise<PolicyEntry[]> {
    const resources = (await this.store.list(
      tenant,
      TRUST_POLICY,
    )) as unknown as StoredResource<TrustPolicySpec>[];
    const entries = resources.map(policyEntry);
    // The CAs x509 policies trust, in one query: their certificates are the anchors.
    const caNames = [...new Set(entries.flatMap((entry) => entry.x509?.caRef?.name ?? []))];
    if (caNames.length > 0) {
      const cas = await this.store.getMany(tenant, CERTIFICATE_AUTHORITY, caNames);
      const certificates = new Map(
        cas.map((ca) => [ca.name, (ca.status as { certificate?: string }).certificate]),
      );
      for (const entry of entries)
        if (entry.x509?.caRef?.name) entry.caCertificate = certificates.get(entry.x509.caRef.name);
    }
    return entries;
  }
}

/**
 * TokenService's check that the policies exchanges chose are still as read (not deleted, not being
 * deleted, same generation), inside the mint's transaction. On PostgreSQL the rows are locked FOR
 * SHARE: a concurrent delete of the policy either committed first (the mint sees it gone) or waits
 * for the mint, and then revokes the token with the policy's others.
 */
export function currentPolicies(db: Database): CurrentPolicies {
  return async (trx, wanted) => {
    const current = new Set<string>();
    const byTenant = new Map<string, Set<string>>();
    for (const { tenant, name } of wanted)
      byTenant.set(tenant, (byTenant.get(tenant) ?? new Set()).add(name));
    for (const [tenant, names] of byTenant) {
      const query = trx('resources')
        .where({ tenant, kind: TRUST_POLICY })
        .whereIn('name', [...names])
        .whereNull('deletion_timestamp')
        .select('name', 'generation');
      const rows = (await (db.dialect === 'postgresql' ? query.forShare() : query)) as Array<{
        name: string;
        generation: number;
      }>;
      for (const row of rows) current.add(`${tenant}/${row.name}@${row.generation}`);
    }
    return current;
  };
}
