/**
 * Which assignments a device has acted on. Each (rollout, artifact, version, attempt) is one job,
 * done at most once: the server repeats an assignment in every CheckIn answer until it has the
 * result, and a retry after a reported failure is the same assignment with a higher attempt.
 */

/** The fields of an Assignment that name a job. */
export interface JobKey {
  rollout: string;
  artifact: string;
  version: string;
  /** 1 for a first install; 0 (a server that does not number attempts) counts as 1. */
  attempt: number;
}

/** Rollouts remembered per device; the oldest is forgotten past this (an old rollout's assignment never comes back). */
const REMEMBERED = 64;

export class UpdateJobs {
  /** `rollout/artifact/version` → the highest attempt started. */
  private readonly started = new Map<string, number>();

  /** Whether this job is still to do: no attempt of it started yet, or only lower ones. Pure. */
  isNew(job: JobKey): boolean {
    return attemptOf(job) > (this.started.get(nameOf(job)) ?? 0);
  }

  /** Records the job as started (whatever its outcome, it is not redone). Idempotent. */
  start(job: JobKey): void {
    const name = nameOf(job);
    const attempt = Math.max(attemptOf(job), this.started.get(name) ?? 0);
    this.started.delete(name);
    this.started.set(name, attempt);
    if (this.started.size > REMEMBERED) this.started.delete(this.started.keys().next().value as string);
  }
}

function nameOf(job: JobKey): string {
  return `${job.rollout}/${job.artifact}/${job.version}`;
}

function attemptOf(job: JobKey): number {
  return Math.max(1, job.attempt);
}
