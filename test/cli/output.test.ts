import { describe, expect, it } from 'vitest';
import { parseExpiryDays } from '../../src/cli/commands/keys.js';
import { conditionMet, timeoutOf } from '../../src/cli/commands/wait.js';
import { formatDuration } from '../../src/cli/output/age.js';
import { columnsFor, resourceRows } from '../../src/cli/output/columns.js';
import { unifiedDiff } from '../../src/cli/output/diff.js';
import { renderTable } from '../../src/cli/output/table.js';
import type { Resource } from '../../src/cli/resource.js';
import type { ConditionStatus } from '../../src/contract/resource.js';
import { KINDS } from '../../src/kinds.js';
import { ManifestValidator } from '../../src/schema/validator.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('ages, as kubectl prints them', () => {
  it.each([
    ['a moment ago is 0s', 0, '0s'],
    ['a small clock skew into the future is 0s', -500, '0s'],
    ['a large skew is <invalid>', -5 * S, '<invalid>'],
    ['five seconds is 5s', 5 * S, '5s'],
    ['59.9 seconds is still 59s', 59_900, '59s'],
    ['three minutes and a bit is 3m', 3 * M + 20 * S, '3m'],
    ['two hours is 2h', 2 * H + 59 * M, '2h'],
    ['four days is 4d', 4 * D + 23 * H, '4d'],
    ['400 days is 1y', 400 * D, '1y'],
  ])('%s', (_name, ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('wait --timeout', () => {
  it.each([
    ['500ms is half a second', '500ms', 500],
    ['a bare number is seconds', '60', 60 * S],
    ['a bare fraction is seconds', '1.5', 1.5 * S],
    ['spaces around it are ignored', ' 5m ', 5 * M],
    ['1.5h is an hour and a half', '1.5h', 1.5 * H],
    ['1h30m is an hour and a half', '1h30m', 1.5 * H],
    ['60s is a minute', '60s', M],
    ['5m is five minutes', '5m', 5 * M],
    ['1h is an hour', '1h', H],
    ['7d is a week', '7d', 7 * D],
    ['a word is refused', 'soon', undefined],
    ['a negative number is refused', '-5s', undefined],
  ])('%s', (_name, text, expected) => {
    expect(timeoutOf(text)).toBe(expected);
  });

  it.each([
    ['a bare number of days is accepted', '30', 30],
    ['a number with d is accepted', '365d', 365],
    ['zero days is refused', '0', undefined],
    ['hours are refused', '12h', undefined],
  ])('key expiry: %s', (_name, text, expected) => {
    expect(parseExpiryDays(text)).toBe(expected);
  });
});

describe('table layout', () => {
  it('pads every column to its widest cell, three spaces apart, with no trailing blanks', () => {
    expect(
      renderTable(
        ['NAME', 'READY', 'AGE'],
        [
          ['gw-1', 'True', '5s'],
          ['a-much-longer-name', 'Unknown', '12d'],
        ],
      ),
    ).toBe(
      'NAME                 READY     AGE\n' +
        'gw-1                 True      5s\n' +
        'a-much-longer-name   Unknown   12d\n',
    );
  });

  it('prints only the header line when there are no rows', () => {
    expect(renderTable(['NAME', 'AGE'], [])).toBe('NAME   AGE\n');
  });

  it('does not pad an empty last cell into trailing spaces', () => {
    expect(renderTable(['A', 'B'], [['x', '']])).toBe('A   B\nx\n');
  });
});

describe("get columns, from each kind's schema (x-steward-columns)", () => {
  const validator = new ManifestValidator(KINDS);
  const columns = (kind: string) => validator.printerColumns(kind);
  const now = new Date('2026-01-02T00:00:00Z');
  const ca: Resource = {
    apiVersion: 'steward.dev/v1',
    kind: 'CertificateAuthority',
    metadata: { name: 'root', createdAt: '2026-01-01T00:00:00Z' },
    spec: { type: 'root' },
    status: {
      notAfter: '2036-01-01T00:00:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Issued',
          message: '',
          lastTransitionTime: '',
          observedGeneration: 1,
        },
      ],
    },
  };

  it('puts NAME and READY first and AGE last around the kind columns', () => {
    expect(columnsFor(columns('Device'), false).map((column) => column.header)).toEqual([
      'NAME',
      'READY',
      'REASON',
      'PLATFORM',
      'APPROVED',
      'ASSURANCE',
      'LAST SEEN',
      'VERSION',
      'AGE',
    ]);
  });

  it('adds the wide-only columns with -o wide', () => {
    expect(columnsFor(columns('Device'), true).map((column) => column.header)).toEqual([
      'NAME',
      'READY',
      'REASON',
      'PLATFORM',
      'APPROVED',
      'ASSURANCE',
      'LAST SEEN',
      'VERSION',
      'IDENTIFIER',
      'USER',
      'AGE',
    ]);
  });

  it('gives a kind without its own columns NAME READY REASON AGE', () => {
    expect(columnsFor(columns('WifiProfile'), false).map((column) => column.header)).toEqual([
      'NAME',
      'READY',
      'REASON',
      'AGE',
    ]);
  });

  it('fills defaults the server applies and <none> for unknown values', () => {
    expect(resourceRows(columns('CertificateAuthority'), [ca], false, now).rows).toEqual([
      ['root', 'True', 'Issued', 'root', 'ECDSA-P256', '2036-01-01T00:00:00Z', '1d'],
    ]);
  });

  it('shows a rollout wave out of its strategy waves', () => {
    const rollout: Resource = {
      apiVersion: 'steward.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'r' },
      spec: { artifactRef: { name: 'agent' }, strategy: { waves: [{}, {}, {}] } },
      status: { currentWave: 2, phase: 'Soaking' },
    };
    expect(resourceRows(columns('Rollout'), [rollout], false, now).rows[0]).toEqual([
      'r',
      'Unknown',
      '<none>',
      'agent',
      'Soaking',
      '2/3',
      '<none>',
    ]);
  });
});

describe('waiting for a condition', () => {
  const base = (generation: number, observed: number | undefined, status?: string): Resource => ({
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: 'd', generation },
    spec: {},
    status: {
      observedGeneration: observed,
      conditions: status
        ? [
            {
              type: 'Ready',
              status: status as ConditionStatus,
              reason: 'Why',
              message: 'because',
              lastTransitionTime: '',
              observedGeneration: observed ?? 0,
            },
          ]
        : [],
    },
  });

  it.each([
    ['is met when Ready is True for the current generation', base(2, 2, 'True'), true],
    ['is not met while the reconciler has not seen the new generation', base(3, 2, 'True'), false],
    ['is not met while Ready is False', base(1, 1, 'False'), false],
    ['is not met before any condition is reported', base(1, undefined), false],
  ])('%s', (_name, resource, met) => {
    expect(conditionMet(resource, 'Ready', 'True').met).toBe(met);
  });

  it('reports a resource Stalled for its generation as stalled (wait gives up at once), not an older Stalled', () => {
    const stalled = (observed: number): Resource => {
      const resource = base(2, 2, 'False');
      resource.status?.conditions?.push({
        type: 'Stalled',
        status: 'True',
        reason: 'InvalidSpec',
        message: 'parentRef names the CA itself',
        lastTransitionTime: '',
        observedGeneration: observed,
      });
      return resource;
    };
    expect(conditionMet(stalled(2), 'Ready', 'True')).toEqual({
      met: false,
      stalled: true,
      why: 'Stalled=True (InvalidSpec): parentRef names the CA itself',
    });
    expect(conditionMet(stalled(1), 'Ready', 'True')).toMatchObject({
      met: false,
      why: 'Ready=False (Why): because',
    });
  });
});

describe('unified diff', () => {
  it('is empty when both sides are equal', () => {
    expect(unifiedDiff('a', 'b', 'x: 1\n', 'x: 1\n')).toBe('');
  });

  it('shows a changed line as - then + with context and a hunk header', () => {
    const before = 'a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\n';
    const after = before.replace('e: 5', 'e: 50');
    expect(unifiedDiff('live', 'file', before, after)).toBe(
      '--- live\n+++ file\n@@ -2,7 +2,7 @@\n b: 2\n c: 3\n d: 4\n-e: 5\n+e: 50\n f: 6\n g: 7\n h: 8\n',
    );
  });

  it('shows an absent side as all added lines', () => {
    expect(unifiedDiff('absent', 'file', '', 'a: 1\n')).toBe(
      '--- absent\n+++ file\n@@ -0,0 +1,1 @@\n+a: 1\n',
    );
  });

  it('keeps distant changes in separate hunks', () => {
    const before = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n');
    const after = before.replace('line 1\n', 'line one\n').replace('line 18', 'line eighteen');
    const hunks = unifiedDiff('a', 'b', before, after)
      .split('\n')
      .filter((line) => line.startsWith('@@'));
    expect(hunks).toEqual(['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@']);
  });
});

describe('every kind prints the columns it printed before they moved into the schemas', () => {
  const validator = new ManifestValidator(KINDS);
  const headers = (kind: string, wide: boolean) =>
    columnsFor(validator.printerColumns(kind), wide)
      .map((column) => column.header)
      .slice(3, -1);
  it.each([
    // #14: the operator's view of a device (approved, assurance, last seen, installed version).
    [
      'Device',
      ['PLATFORM', 'APPROVED', 'ASSURANCE', 'LAST SEEN', 'VERSION'],
      ['PLATFORM', 'APPROVED', 'ASSURANCE', 'LAST SEEN', 'VERSION', 'IDENTIFIER', 'USER'],
    ],
    [
      'CertificateAuthority',
      ['TYPE', 'ALGORITHM', 'NOT AFTER'],
      ['TYPE', 'ALGORITHM', 'NOT AFTER', 'PARENT'],
    ],
    [
      'Rollout',
      ['ARTIFACT', 'PHASE', 'WAVE'],
      ['ARTIFACT', 'PHASE', 'WAVE', 'SUCCEEDED', 'FAILED', 'PAUSED'],
    ],
    ['DeviceGroup', ['DEVICES'], ['DEVICES']],
    ['Artifact', ['VERSION'], ['VERSION', 'DIGEST']],
    ['TrustPolicy', ['TYPE', 'ISSUER'], ['TYPE', 'ISSUER', 'KEYS']],
  ])('%s: %j, and with -o wide %j', (kind, table, wide) => {
    expect(headers(kind, false)).toEqual(table);
    expect(headers(kind, true)).toEqual(wide);
  });

  it('shows a wave without a strategy as the bare number, and no wave as <none>', () => {
    const wave = columnsFor(validator.printerColumns('Rollout'), false).find((c) => c.header === 'WAVE');
    const rollout = (status: Record<string, unknown>): Resource => ({
      apiVersion: 'steward.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'r' },
      spec: {},
      status,
    });
    expect(wave?.cell(rollout({ currentWave: 1 }), new Date())).toBe('1');
    expect(wave?.cell(rollout({}), new Date())).toBeUndefined();
  });
});
