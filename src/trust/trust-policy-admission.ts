/**
 * The TrustPolicy's admission (src/apply/admission.ts): what its schema cannot see. A policy can
 * never mint more than its author holds, so every permission it grants must be a Steward
 * permission, held by the credential applying it, and never a session-only one (a CI job must not
 * mint keys or users). Checked on every write of the policy, so re-applying it needs those
 * permissions too. The owner pin and the session bounds are the schema's.
 */
import type { Admission, AdmittedWrite } from '../apply/admission.js';
import { type PermissionCatalogue, SESSION_ONLY } from '../auth/permissions.js';
import { holds, type OperationContext } from '../context.js';
import type { FieldProblem } from '../errors.js';
import type { TrustPolicySpec } from '../kinds/generated/v1/trustpolicy.js';
import { fromJsonColumn } from '../store/database.js';

/** Never granted by a policy (src/auth/principal.ts drops it from exchanged tokens too). */
export const TRUST_POLICIES_WRITE = 'trustpolicies:write';

/** Every problem of one TrustPolicy write, with pointers into its document. */
export function trustPolicyProblems(
  catalogue: PermissionCatalogue,
  write: AdmittedWrite,
  context: OperationContext,
): FieldProblem[] {
  const spec = write.next.spec as unknown as TrustPolicySpec;
  const problems: FieldProblem[] = [];
  const problem = (pointer: string, message: string) =>
    problems.push({ document: write.index, pointer, message });
  const type = spec.type ?? 'oidc';
  if (type === 'oidc' && spec.x509 !== undefined)
    problem('/spec/x509', 'is for type x509; this policy is type oidc (set type: x509, or remove x509)');
  if (type === 'x509' && spec.claims !== undefined)
    problem('/spec/claims', 'is for type oidc; this policy is type x509 (subject rules go in x509.subject)');
  (spec.permissions ?? []).forEach((permission, index) => {
    const pointer = `/spec/permissions/${index}`;
    if (!catalogue.isKnown(permission)) problem(pointer, `"${permission}" is not a Steward permission`);
    else if (SESSION_ONLY.has(permission))
      problem(pointer, `"${permission}" is session-only: a token minted by a policy can never hold it`);
    else if (permission === TRUST_POLICIES_WRITE)
      problem(
        pointer,
        `"${permission}" cannot be granted by a policy: a token holding it could write policies for itself and outlive this one`,
      );
    else if (!holds(context, permission))
      problem(
        pointer,
        `"${permission}" is not held by the credential applying this policy: a policy never grants more than its author holds`,
      );
  });
  return problems;
}

/**
 * A TrustPolicy's admission: its problems at apply, and its tokens revoked when it is deleted (as
 * Kubernetes invalidates a bound token when its ServiceAccount goes): deleting a policy is how
 * one cuts off a compromised repository, so its live tokens must not outlast it. `revoked` drops
 * them from the authenticator's cache (SQLite's one connection makes requests wait for the commit).
 */
export function createTrustPolicyAdmission(
  catalogue: PermissionCatalogue,
  options: { revoked?: (credentialIds: string[]) => void; now?: () => Date } = {},
): Admission {
  return {
    kind: 'TrustPolicy',
    check: (write, context) => trustPolicyProblems(catalogue, write, context),
    async beforeDelete(trx, context, resources) {
      const names = resources.map((resource) => resource.name);
      const now = (options.now?.() ?? new Date()).toISOString();
      const ids = (await trx('credentials')
        .where({ tenant: context.tenant })
        .whereIn('type', ['oidc', 'x509'])
        .whereIn('name', names)
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .pluck('id')) as string[];
      if (ids.length === 0) return;
      await trx('credentials').whereIn('id', ids).update({ revoked_at: now });
      options.revoked?.(ids);
    },
  };
}

/**
 * A CertificateAuthority that a TrustPolicy trusts (`spec.x509.caRef`) cannot be deleted: the
 * policy's clients would lose their exchange without a word. The refusal names each policy.
 */
export const certificateAuthorityInUse: Admission = {
  kind: 'CertificateAuthority',
  async checkDelete(trx, context, deletions, deleting) {
    const policies = await trx('resources')
      .where({ tenant: context.tenant, kind: 'TrustPolicy' })
      .select('name', 'spec');
    const trusting = new Map<string, string[]>();
    for (const row of policies as Array<{ name: string; spec: unknown }>) {
      if (deleting.has(`TrustPolicy/${row.name}`)) continue;
      const ca = fromJsonColumn<TrustPolicySpec>(row.spec)?.x509?.caRef?.name;
      if (ca) trusting.set(ca, [...(trusting.get(ca) ?? []), row.name]);
    }
    return deletions.flatMap(({ index, resource }) => {
      const names = trusting.get(resource.name);
      if (!names) return [];
      return [
        {
          document: index,
          pointer: '/metadata/name',
          message: `CertificateAuthority "${resource.name}" is trusted by TrustPolicy ${names.map((name) => `"${name}"`).join(', ')} (spec.x509.caRef): delete the policy or change its caRef first`,
        },
      ];
    });
  },
};
