/**
 * The Rollout's admission (src/apply/admission.ts): once a rollout has started, what decided who
 * gets what is fixed — the artifact, the target, requireAssurance, and the waves' number and
 * percents (every device's wave was written from them). Gates, thresholds, soak, retries, the rate
 * and `paused` may still change. To change the fixed fields, create a new rollout.
 */
import type { Admission, AdmittedWrite } from '../apply/admission.js';
import { canonicalJson } from '../contract/canonical.js';
import type { FieldProblem } from '../errors.js';
import type { RolloutSpec, RolloutStatus } from '../kinds/generated/v1/rollout.js';

/** Whether the stored rollout has started (its reconciler fixed the target). Pure. */
function started(status: RolloutStatus | undefined): boolean {
  return status?.startedAt !== undefined || (status?.phase !== undefined && status.phase !== 'Pending');
}

/** One problem per fixed field a write changes on a started rollout. Pure. */
export function fixedFieldProblems(write: AdmittedWrite): FieldProblem[] {
  if (!write.previous || !started(write.previous.status as RolloutStatus)) return [];
  const before = write.previous.spec as unknown as RolloutSpec;
  const after = write.next.spec as unknown as RolloutSpec;
  const percents = (spec: RolloutSpec) => spec.strategy?.waves?.map((wave) => wave.percent) ?? [];
  const fixed: Array<[string, unknown, unknown]> = [
    ['/spec/artifactRef', before.artifactRef, after.artifactRef],
    ['/spec/target', before.target, after.target],
    ['/spec/requireAssurance', before.requireAssurance ?? 'normal', after.requireAssurance ?? 'normal'],
    ['/spec/strategy/waves', percents(before), percents(after)],
  ];
  return fixed
    .filter(([, old, next]) => canonicalJson(old ?? null) !== canonicalJson(next ?? null))
    .map(([pointer]) => ({
      document: write.index,
      pointer,
      message: `${pointer === '/spec/strategy/waves' ? 'the number and percents of the waves' : pointer.slice(1).replaceAll('/', '.')} of Rollout "${write.next.name}" cannot change once it has started (every device's wave was fixed from them); gates, thresholds, soak, retries, the rate and paused may change. Create a new Rollout instead`,
    }));
}

export const rolloutAdmission: Admission = { kind: 'Rollout', check: fixedFieldProblems };
