/**
 * CertificateAuthority. Today: runs the PKI plan (src/pki/ca-plan.ts) against the CA material
 * stored so far — none: CA key storage (a table of its own, keys encrypted with the master key,
 * never in status) is not built yet — and reports the plan's reason honestly, so no CA is Ready
 * yet. Its finalizer refuses deletion while devices or intermediate CAs reference the CA.
 *
 * When key storage exists: gather the material summary from it, act on `generateKeyAndCertificate`
 * / `renew` / `reissue` idempotently (deterministic key ids so a retry cannot create twice), and
 * report `Ready=True` with `requeueAfter` = the plan's renewal time.
 */
import type { Controller, FinalizeResult, ReconcileResult } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import { InvalidError, TerminalError } from '../src/errors.js';
import { type CaPlan, type CaPlanSpec, planCertificateAuthority } from '../src/pki/ca-plan.js';

export const CertificateAuthorityReason = {
  /** The plan wants a key and certificate generated, and CA key storage is not built yet. */
  KeyStoreNotAvailable: 'KeyStoreNotAvailable',
  InvalidSpec: 'InvalidSpec',
  /** Finalizer: devices or intermediates still reference this CA. */
  InUse: 'InUse',
} as const;

export const CA_FINALIZER = 'steward.dev/certificate-authority';
const PARENT_REF = ['spec', 'parentRef', 'name'] as const;
const IN_USE_RETRY_MS = 60_000;

/** The plan's spec from the stored spec. Pure. */
export function planSpecOf(spec: Record<string, unknown>): CaPlanSpec {
  const parentRef = spec.parentRef as { name?: string } | undefined;
  return {
    type: spec.type as CaPlanSpec['type'],
    parentRef: parentRef?.name,
    subject: spec.subject as CaPlanSpec['subject'],
    keyAlgorithm: spec.keyAlgorithm as CaPlanSpec['keyAlgorithm'],
    validity: spec.validity as string | undefined,
    renewBefore: spec.renewBefore as string | undefined,
    maxPathLen: spec.maxPathLen as number | undefined,
    privateKey: { rotationPolicy: spec.rotateKeyOnRenewal === true ? 'Always' : 'Never' },
  };
}

/** What to report for a plan while nothing can be generated. Pure. */
export function reportPlan(plan: CaPlan): ReconcileResult {
  switch (plan.action) {
    case 'waitForParent':
      return { conditions: [ready('False', plan.reason, plan.message)] };
    case 'upToDate':
      return { conditions: [ready('True', plan.reason, plan.message)], requeueAfter: plan.requeueAfterMs };
    default:
      return {
        conditions: [
          ready(
            'False',
            CertificateAuthorityReason.KeyStoreNotAvailable,
            `${plan.message}: nothing generated, CA key storage is not built yet`,
          ),
        ],
      };
  }
}

/** The finalizer's decision from who still references the CA. Pure. */
export function decideRelease(devices: string[], intermediates: string[]): FinalizeResult {
  if (devices.length === 0 && intermediates.length === 0) return { done: true };
  const parts: string[] = [];
  const sample = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
  if (devices.length > 0) parts.push(`${devices.length} device(s) (${sample(devices)})`);
  if (intermediates.length > 0)
    parts.push(`${intermediates.length} intermediate CA(s) (${sample(intermediates)})`);
  return {
    done: false,
    reason: CertificateAuthorityReason.InUse,
    message: `still referenced by ${parts.join(' and ')}; delete or repoint them first`,
    requeueAfter: IN_USE_RETRY_MS,
  };
}

export const certificateAuthorityController: Controller = {
  kind: 'CertificateAuthority',
  references: [{ path: PARENT_REF, kind: 'CertificateAuthority' }],
  // When a referencing device or intermediate is removed, the engine queues the targets of its
  // references, so a CA waiting in its finalizer is asked again at once.
  finalizer: CA_FINALIZER,
  async reconcile(ca, { read, now }) {
    const spec = planSpecOf(ca.spec);
    const parent =
      spec.type === 'intermediate' && spec.parentRef
        ? await read.get('CertificateAuthority', spec.parentRef)
        : null;
    try {
      const plan = planCertificateAuthority(
        spec,
        {},
        spec.type === 'intermediate' ? { ready: isReady(parent) } : undefined,
        now(),
      );
      return reportPlan(plan);
    } catch (error) {
      if (error instanceof InvalidError)
        throw new TerminalError(CertificateAuthorityReason.InvalidSpec, error.message, { cause: error });
      throw error;
    }
  },
  async finalize(ca, { read }) {
    const devices = await read.referrers('Device', 'CertificateAuthority', ca.name);
    const intermediates = await read.referrers('CertificateAuthority', 'CertificateAuthority', ca.name);
    return decideRelease(devices, intermediates);
  },
};
