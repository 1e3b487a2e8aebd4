/**
 * `steward rollout status`: the pure view of a Rollout's status (bars, waves, totals, who paused
 * or aborted), the one-line form for logs, and the in-place redraw on a terminal.
 */
import { describe, expect, it } from 'vitest';
import {
  progressBar,
  type RolloutView,
  redrawFrame,
  rolloutStatusLine,
  rolloutStatusLines,
  totalsLine,
} from '../../src/cli/output/rollout-status.js';

const NOW = new Date('2026-03-01T12:00:00Z');

const SOAKING: RolloutView = {
  metadata: { name: 'agent-2-4-1-prod' },
  spec: { artifactRef: { name: 'agent-2-4-1' }, strategy: { waves: [{}, {}, {}] } },
  status: {
    phase: 'Soaking',
    currentWave: 2,
    message: 'wave 2 reached its success threshold; soaking',
    artifact: { name: 'agent', version: '2.4.1' },
    startedAt: '2026-03-01T11:30:00Z',
    soakUntil: '2026-03-01T12:05:00Z',
    totals: {
      targeted: 103,
      ineligible: 3,
      queued: 70,
      assigned: 30,
      succeeded: 27,
      failed: 1,
      pending: 2,
      cancelled: 0,
    },
    ineligibleReasons: { Platform: 2, Assurance: 1 },
    waves: [
      {
        wave: 1,
        percent: 10,
        devices: 10,
        assigned: 10,
        succeeded: 10,
        failed: 0,
        pending: 0,
        queued: 0,
        approvedBy: 'alice',
      },
      { wave: 2, percent: 30, devices: 20, assigned: 20, succeeded: 17, failed: 1, pending: 2, queued: 0 },
      { wave: 3, percent: 100, devices: 70, assigned: 0, succeeded: 0, failed: 0, pending: 0, queued: 70 },
    ],
  },
};

describe('progressBar', () => {
  it.each([
    { what: 'nothing assigned is all dots', counts: {}, total: 10, bar: '[..........]' },
    { what: 'all succeeded is all hashes', counts: { succeeded: 10 }, total: 10, bar: '[##########]' },
    {
      what: 'succeeded, failed and pending come in that order, the rest dotted',
      counts: { succeeded: 5, failed: 1, pending: 2 },
      total: 10,
      bar: '[#####x~~..]',
    },
    {
      what: 'rounding keeps the width exact',
      counts: { succeeded: 1, failed: 1, pending: 1 },
      total: 3,
      bar: '[###xxxx~~~]',
    },
    {
      what: 'counts past the total are clipped',
      counts: { succeeded: 12, failed: 3 },
      total: 10,
      bar: '[##########]',
    },
    { what: 'an empty wave draws an empty bar', counts: { succeeded: 0 }, total: 0, bar: '[..........]' },
  ])('$what', ({ counts, total, bar }) => {
    expect(progressBar(counts, total, 10)).toBe(bar);
  });
});

describe('totalsLine', () => {
  it('names every count, ineligible with its reasons in order', () => {
    expect(totalsLine({ targeted: 5, ineligible: 2 }, { Platform: 1, Assurance: 1, NotApproved: 0 })).toBe(
      'targeted 5, ineligible 2 (Assurance 1, Platform 1), queued 0, assigned 0, succeeded 0, failed 0, pending 0, cancelled 0',
    );
  });
});

describe('rolloutStatusLines', () => {
  it('shows phase, wave of the strategy, soak time, per-wave bars with counts and the totals', () => {
    expect(rolloutStatusLines(SOAKING, NOW)).toEqual([
      'Rollout:    agent-2-4-1-prod (agent@2.4.1)',
      'Phase:      Soaking, wave 2 of 3',
      'Message:    wave 2 reached its success threshold; soaking',
      'Soak until: 2026-03-01T12:05:00Z (in 5m)',
      'Started:    2026-03-01T11:30:00Z (30m ago)',
      '',
      'WAVE   UP TO   PROGRESS                                DEVICES   ASSIGNED   SUCCEEDED   FAILED   PENDING   QUEUED',
      ' 1     10%     [##############################] 100%   10        10         10          0        0         0        approved by alice',
      '>2     30%     [##########################x~~~] 90%    20        20         17          1        2         0',
      ' 3     100%    [..............................] 0%     70        0          0           0        0         70',
      '',
      'Totals:     targeted 103, ineligible 3 (Assurance 1, Platform 2), queued 70, assigned 30, succeeded 27, failed 1, pending 2, cancelled 0',
    ]);
  });

  it.each([
    {
      what: 'a rollout not reconciled yet is Pending at wave 0, named by its artifact reference',
      rollout: { metadata: { name: 'r' }, spec: { artifactRef: { name: 'agent-2-4-1' } } },
      lines: ['Rollout:    r (agent-2-4-1)', 'Phase:      Pending, wave 0'],
    },
    {
      what: 'a paused rollout says who paused it',
      rollout: {
        metadata: { name: 'r' },
        status: { phase: 'Paused', currentWave: 1, pausedBy: 'failure threshold' },
      },
      lines: ['Rollout:    r', 'Phase:      Paused, wave 1', 'Paused by:  failure threshold'],
    },
    {
      what: 'an aborted rollout says who aborted it and when it ended',
      rollout: {
        metadata: { name: 'r' },
        status: { phase: 'Aborted', currentWave: 2, abortedBy: 'bob', finishedAt: '2026-03-01T11:58:00Z' },
      },
      lines: [
        'Rollout:    r',
        'Phase:      Aborted, wave 2',
        'Aborted by: bob',
        'Finished:   2026-03-01T11:58:00Z (2m ago)',
      ],
    },
    {
      what: 'text from the server cannot move the cursor',
      rollout: { metadata: { name: 'r' }, status: { phase: 'Progressing', message: 'x\u001b[2Ky\nz' } },
      lines: ['Rollout:    r', 'Phase:      Progressing, wave 0', 'Message:    x\\e[2Ky\\nz'],
    },
  ] as Array<{ what: string; rollout: RolloutView; lines: string[] }>)('$what', ({ rollout, lines }) => {
    expect(rolloutStatusLines(rollout, NOW)).toEqual(lines);
  });
});

describe('rolloutStatusLine', () => {
  it('is one line without a clock, so it only changes when the rollout does', () => {
    expect(rolloutStatusLine(SOAKING)).toBe(
      'rollout/agent-2-4-1-prod Soaking, wave 2 of 3, assigned 30, succeeded 27, failed 1, pending 2, queued 70: wave 2 reached its success threshold; soaking',
    );
  });
});

describe('redrawFrame', () => {
  it('the first frame is just the lines, each on a cleared line', () => {
    expect(redrawFrame(['a', 'b'], 0)).toBe('\r\u001b[2Ka\n\r\u001b[2Kb\n');
  });

  it('goes up over the previous frame and clears what a longer one left below', () => {
    expect(redrawFrame(['a'], 3)).toBe('\u001b[3A\r\u001b[2Ka\n\u001b[J');
  });

  it('cuts lines to the terminal width so none wraps', () => {
    expect(redrawFrame(['abcdef'], 1, 4)).toBe('\u001b[1A\r\u001b[2Kabc\n');
  });
});
