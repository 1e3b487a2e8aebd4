/**
 * CertificateAuthority: gives each CA a key pair and a certificate (self-signed for roots, signed by
 * the parent once it is Ready for intermediates), renews it before expiry, re-issues it when the
 * spec asks for another certificate, and keeps its CRL fresh. The decision is the PKI plan
 * (src/pki/ca-plan.ts); this file gathers its inputs, acts through the CA lifecycle
 * (src/pki/ca-lifecycle.ts: one transaction per action, so a crash repeats the plan instead of
 * half-acting), and reports. Its finalizer refuses deletion while devices, intermediates or
 * unexpired certificates still depend on the CA, then retires its material.
 *
 * The controller needs the PKI's services: its registry line (src/kinds.ts) builds it from the CA
 * lifecycle the composition root made.
 */
import type { Controller, FinalizeResult, Plan, ReconcileResult } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import { controllerActor } from '../src/engine/reconciler.js';
import { systemContext } from '../src/context.js';
import { InvalidError, TerminalError } from '../src/errors.js';
import type {
  CertificateAuthoritySpec,
  CertificateAuthorityStatus,
} from '../src/kinds/generated/v1/certificateauthority.js';
import type { StoredResource } from '../src/resources/model.js';
import type { CaLifecycle, CaObservation, CertifyingPlan } from '../src/pki/ca-lifecycle.js';
import {
  type CaPlan,
  type CaPlanSpec,
  type ParentCaState,
  planCertificateAuthority,
} from '../src/pki/ca-plan.js';
import { CA_KIND } from '../src/pki/pki-journal.js';
import { formatSubject } from '../src/pki/subject.js';

export const CertificateAuthorityReason = {
  InvalidSpec: 'InvalidSpec',
  /** Finalizer: devices, intermediates or unexpired certificates still depend on this CA. */
  InUse: 'InUse',
} as const;

export const CA_FINALIZER = 'steward.dev/certificate-authority';
const PARENT_REF = ['spec', 'parentRef', 'name'] as const;
/** A finalizer blocked only by devices or intermediates is asked again this often (their removal wakes it sooner). */
const IN_USE_RETRY_MS = 60_000;
/**
 * Longest requeueAfter: renewals years away are re-planned daily instead, so a corrected clock or
 * a changed plan is seen within a day (the engine's clock also cuts any timer to Node's 24.8-day
 * limit; resync covers restarts).
 */
const MAX_REQUEUE_MS = 86_400_000;
/** A CA waiting for its parent looks again this often, should the parent's wake-up be missed. */
const WAIT_FOR_PARENT_RETRY_MS = 10_000;

/**
 * The plan's spec from the stored spec. Pure.
 * @throws TerminalError InvalidSpec for what the schema cannot express (a CA that is its own parent).
 */
export function planSpecOf(name: string, spec: CertificateAuthoritySpec): CaPlanSpec {
  const planSpec: CaPlanSpec = {
    type: spec.type,
    parentRef: spec.parentRef?.name,
    subject: spec.subject,
    keyAlgorithm: spec.keyAlgorithm,
    validity: spec.validity,
    renewBefore: spec.renewBefore,
    maxPathLen: spec.maxPathLen,
    rotateKeyOnRenewal: spec.rotateKeyOnRenewal === true,
    nameConstraints: spec.nameConstraints,
  };
  if (planSpec.type === 'intermediate' && planSpec.parentRef === name)
    throw new TerminalError(
      CertificateAuthorityReason.InvalidSpec,
      `parentRef names the CA itself: an intermediate needs another CA to sign it`,
    );
  return planSpec;
}

/** The status fields of a CA: its current certificate, public parts only (never the key). Pure. */
export function caStatusFields(
  current: CaObservation['current'],
  renewAt?: Date,
): CertificateAuthorityStatus {
  if (!current) return {};
  return {
    serial: current.serial,
    fingerprint: current.fingerprint,
    subject: formatSubject(current.madeFor.subject),
    keyAlgorithm: current.keyAlgorithm,
    notBefore: current.notBefore.toISOString(),
    notAfter: current.notAfter.toISOString(),
    ...(renewAt ? { renewalTime: renewAt.toISOString() } : {}),
    certificate: current.pem,
  };
}

/**
 * What to report once the plan has been acted on. Ready means the CA can sign now: it has a
 * current, unexpired certificate that matches its spec. A CA waiting for its parent only to renew
 * stays Ready; one waiting to get its first certificate, or a new one for a changed spec, is not.
 * Requeued at the earliest of renewal, expiry and the CRL's refresh time (capped at a day). Pure.
 */
export function reportCa(
  plan: CaPlan,
  observation: CaObservation,
  now: Date,
): ReconcileResult<CertificateAuthorityStatus> {
  const current = observation.current;
  const usable = !!current && now.getTime() < current.notAfter.getTime();
  const waits: number[] = [];
  if (usable) waits.push(current.notAfter.getTime() - now.getTime());
  if (observation.crls.nextRefresh) waits.push(observation.crls.nextRefresh.getTime() - now.getTime());
  let readyNow: boolean;
  if (plan.action === 'upToDate') {
    readyNow = usable;
    waits.push(plan.requeueAfterMs);
  } else {
    readyNow = usable && plan.action === 'waitForParent' && plan.pending === 'renew';
    // The parent's status change wakes this CA; asking again anyway bounds what a lost wake-up
    // (a race seen once under load on PostgreSQL, or a restart of the in-process queue) can cost.
    if (plan.action === 'waitForParent') waits.push(WAIT_FOR_PARENT_RETRY_MS);
  }
  const requeueAfter =
    waits.length > 0 ? Math.min(MAX_REQUEUE_MS, Math.max(1000, Math.min(...waits))) : undefined;
  return {
    status: caStatusFields(current, plan.action === 'upToDate' ? plan.renewAt : undefined),
    conditions: [ready(readyNow ? 'True' : 'False', plan.reason, plan.message)],
    requeueAfter,
  };
}

/**
 * The finalizer's decision from what still depends on the CA. When only certificates hold it and
 * `now` is given, it looks again when the last of them expires (a revocation wakes it sooner). Pure.
 */
export function decideRelease(
  devices: string[],
  intermediates: string[],
  issued: { count: number; lastNotAfter?: Date } = { count: 0 },
  now?: Date,
): FinalizeResult {
  if (devices.length === 0 && intermediates.length === 0 && issued.count === 0) return { done: true };
  const parts: string[] = [];
  const advice: string[] = [];
  const sample = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
  if (devices.length > 0) parts.push(`${devices.length} device(s) (${sample(devices)})`);
  if (intermediates.length > 0)
    parts.push(`${intermediates.length} intermediate CA(s) (${sample(intermediates)})`);
  if (parts.length > 0) advice.push('delete or repoint them');
  if (issued.count > 0) {
    const last = issued.lastNotAfter ? ` (the last expires at ${issued.lastNotAfter.toISOString()})` : '';
    parts.push(`${issued.count} unexpired certificate(s) it issued${last}`);
    advice.push('revoke the certificates or let them expire');
  }
  const onlyCertificates = devices.length === 0 && intermediates.length === 0;
  return {
    done: false,
    reason: CertificateAuthorityReason.InUse,
    message: `still in use by ${parts.join(', ')}; ${advice.join(', and ')}`,
    requeueAfter:
      onlyCertificates && issued.lastNotAfter && now
        ? Math.min(MAX_REQUEUE_MS, Math.max(1000, issued.lastNotAfter.getTime() - now.getTime()))
        : IN_USE_RETRY_MS,
  };
}

/** InvalidError (an unparsable duration, a subject the builders refuse) made terminal: retrying cannot fix a spec. */
function terminalOnInvalid(error: unknown): unknown {
  return error instanceof InvalidError
    ? new TerminalError(CertificateAuthorityReason.InvalidSpec, error.message, { cause: error })
    : error;
}

/** What a CA's plan compares its spec with: its material, its CRL and its parent's state. */
export interface CaObserved extends CaObservation {
  spec: CaPlanSpec;
  /** Intermediates only. */
  parentState?: ParentCaState;
}

/** The CA's actions: one transaction each (see CaLifecycle), so a crash repeats the plan. */
export type CaAction = { type: 'certify'; spec: CaPlanSpec; plan: CertifyingPlan } | { type: 'refreshCrl' };

/**
 * The decision: make a certificate when the PKI plan says so, else refresh a CRL that is due,
 * else report. The engine observes again after each action, so the report always describes the
 * CA as it is after acting. Pure.
 * @throws TerminalError InvalidSpec for a spec the plan cannot read (an unparsable duration).
 */
export function planCa(observed: CaObserved, now: Date): Plan<CertificateAuthorityStatus, CaAction> {
  let plan: CaPlan;
  try {
    plan = planCertificateAuthority(observed.spec, observed.material, observed.parentState, now);
  } catch (error) {
    throw terminalOnInvalid(error);
  }
  if (plan.action === 'generateKeyAndCertificate' || plan.action === 'renew' || plan.action === 'reissue')
    return { act: { type: 'certify', spec: observed.spec, plan } };
  if (observed.current && (observed.crls.publish.length > 0 || observed.crls.drop.length > 0))
    return { act: { type: 'refreshCrl' } };
  return reportCa(plan, observed, now);
}

function contextFor(ca: StoredResource<unknown, object>) {
  return systemContext(ca.tenant, controllerActor(CA_KIND), `reconcile-${ca.uid}`);
}

/** The controller, bound to the PKI's CA lifecycle. */
export function createCertificateAuthorityController(
  lifecycle: CaLifecycle,
): Controller<CertificateAuthoritySpec, CertificateAuthorityStatus, CaObserved, CaAction> {
  return {
    kind: CA_KIND,
    references: [{ path: PARENT_REF, kind: CA_KIND }],
    // When a referencing device or intermediate is removed, the engine queues the targets of its
    // references, so a CA waiting in its finalizer is asked again at once.
    finalizer: CA_FINALIZER,
    async observe(ca, { read, now }) {
      const spec = planSpecOf(ca.name, ca.spec);
      const parentState =
        spec.type === 'intermediate' && spec.parentRef
          ? await lifecycle.parentState(
              ca.tenant,
              spec.parentRef,
              isReady(await read.get(CA_KIND, spec.parentRef)),
            )
          : undefined;
      return { ...(await lifecycle.observe(ca.tenant, ca.name, now())), spec, parentState };
    },
    plan: (_ca, observed, now) => planCa(observed, now),
    async act(ca, action, { now }) {
      try {
        if (action.type === 'certify')
          await lifecycle.certify(contextFor(ca), ca, action.spec, action.plan, now());
        else await lifecycle.refreshCrls(ca.tenant, ca.name, now());
      } catch (error) {
        throw terminalOnInvalid(error);
      }
    },
    async finalize(ca, { read, now }) {
      const at = now();
      const devices = await read.referrers('Device', CA_KIND, ca.name);
      const intermediates = await read.referrers(CA_KIND, CA_KIND, ca.name);
      const decision = decideRelease(
        devices,
        intermediates,
        await lifecycle.inUse(ca.tenant, ca.name, at),
        at,
      );
      if (decision.done) await lifecycle.retire(contextFor(ca), ca.name, at);
      return decision;
    },
  };
}
