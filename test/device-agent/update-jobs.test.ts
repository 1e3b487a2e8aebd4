/** Each (rollout, artifact, version, attempt) is one job: done once; a higher attempt is a new one. */
import { describe, expect, it } from 'vitest';
import { UpdateJobs } from '../../src/device-agent/update-jobs.js';

const job = { rollout: 'r1', artifact: 'agent', version: '2.4.1', attempt: 1 };

describe('UpdateJobs', () => {
  it('a job never started is new; once started it is not, whatever the server repeats', () => {
    const jobs = new UpdateJobs();
    expect(jobs.isNew(job)).toBe(true);
    jobs.start(job);
    expect(jobs.isNew(job)).toBe(false);
    jobs.start(job);
    expect(jobs.isNew({ ...job })).toBe(false);
  });

  it('a retry (a higher attempt) is a new job; a lower or equal attempt after it is not', () => {
    const jobs = new UpdateJobs();
    jobs.start(job);
    expect(jobs.isNew({ ...job, attempt: 2 })).toBe(true);
    jobs.start({ ...job, attempt: 2 });
    expect(jobs.isNew({ ...job, attempt: 2 })).toBe(false);
    expect(jobs.isNew({ ...job, attempt: 1 })).toBe(false);
    expect(jobs.isNew({ ...job, attempt: 3 })).toBe(true);
  });

  it('an unnumbered attempt (0) is the first', () => {
    const jobs = new UpdateJobs();
    jobs.start({ ...job, attempt: 0 });
    expect(jobs.isNew(job)).toBe(false);
    expect(jobs.isNew({ ...job, attempt: 2 })).toBe(true);
  });

  it('another rollout, artifact or version is another job', () => {
    const jobs = new UpdateJobs();
    jobs.start(job);
    expect(jobs.isNew({ ...job, rollout: 'r2' })).toBe(true);
    expect(jobs.isNew({ ...job, artifact: 'os' })).toBe(true);
    expect(jobs.isNew({ ...job, version: '2.4.2' })).toBe(true);
  });

  it('forgets the oldest rollouts past 64, keeping the latest', () => {
    const jobs = new UpdateJobs();
    for (let i = 0; i < 65; i++) jobs.start({ ...job, rollout: `r${i}` });
    expect(jobs.isNew({ ...job, rollout: 'r0' })).toBe(true);
    expect(jobs.isNew({ ...job, rollout: 'r64' })).toBe(false);
  });
});
