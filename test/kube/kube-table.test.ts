/**
 * Tables as kubectl asks for them: ages against Kubernetes' HumanDuration, columns and cells from
 * the real ManifestValidator's printer columns, and when a request wants a Table.
 */
import { describe, expect, it } from 'vitest';
import { toKubeObject } from '../../src/api/kube/kube-objects.js';
import { humanAge, kubeTable, wantsTable } from '../../src/api/kube/kube-table.js';
import type { PrinterColumn } from '../../src/contract/discovery.js';
import { KINDS } from '../../src/kinds.js';
import type { StoredResource } from '../../src/resources/model.js';
import { ManifestValidator } from '../../src/schema/validator.js';
import { stored } from './kube-fixtures.js';

const validator = new ManifestValidator(KINDS);

describe('humanAge, as Kubernetes’ translateTimestampSince (apimachinery duration.HumanDuration)', () => {
  const NOW = new Date('2030-06-15T12:00:00.000Z');
  const S = 1000;
  const M = 60 * S;
  const H = 60 * M;
  const D = 24 * H;
  const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

  it.each<[string, number, string]>([
    ['now', 0, '0s'],
    ['a second of clock skew', -S, '0s'],
    ['half a second', 500, '0s'],
    ['59s', 59 * S, '59s'],
    ['seconds up to two minutes', 119 * S, '119s'],
    ['two minutes', 2 * M, '2m'],
    ['minutes and seconds under ten minutes', 9 * M + 59 * S, '9m59s'],
    ['ten minutes', 10 * M, '10m'],
    ['ten minutes and some seconds', 10 * M + 30 * S, '10m'],
    ['minutes up to three hours', 179 * M, '179m'],
    ['three hours', 3 * H, '3h'],
    ['hours and minutes under eight hours', 7 * H + 59 * M, '7h59m'],
    ['eight hours', 8 * H, '8h'],
    ['eight hours and some minutes', 8 * H + 30 * M, '8h'],
    ['hours up to two days', 47 * H + 59 * M, '47h'],
    ['two days', 2 * D, '2d'],
    ['a week exactly', 7 * D, '7d'],
    ['days up to two years', 729 * D, '729d'],
    ['two years', 730 * D, '2y'],
  ])('%s: %s ms ago is %s', (_case, ms, age) => {
    expect(humanAge(ago(ms), NOW)).toBe(age);
  });

  // Kubernetes shows hours beside days under eight days and days beside years under eight years.
  it.each<[string, number, string]>([
    ['days and hours under eight days', 2 * D + 5 * H, '2d5h'],
    ['days and hours just under eight days', 7 * D + 23 * H, '7d23h'],
    ['years and days under eight years', 740 * D, '2y10d'],
  ])('%s: %s ms ago is %s', (_case, ms, age) => {
    expect(humanAge(ago(ms), NOW)).toBe(age);
  });

  it.each<[string, number, string]>([
    ['eight days', 8 * D + 5 * H, '8d'],
    ['eight years', 8 * 365 * D + 10 * D, '8y'],
  ])('%s (no second unit from here): %s ms ago is %s', (_case, ms, age) => {
    expect(humanAge(ago(ms), NOW)).toBe(age);
  });
});

describe('kubeTable', () => {
  const NOW = new Date('2026-01-01T03:00:00.000Z');
  const deviceColumns = validator.printerColumns('Device');
  const ready = stored({
    name: 'edge-ready',
    labels: { team: 'edge' },
    spec: { platform: 'linux', permanentIdentifier: 'pid-1', user: { email: 'ada@example.com' } },
    status: {
      approved: true,
      assurance: 'hardware',
      installed: { version: '1.4.2' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Enrolled',
          message: 'ok',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 3,
        },
      ],
    } as StoredResource['status'],
  });
  const fresh = stored({ name: 'edge-new', createdAt: '2026-01-01T02:59:30.000Z' });

  it('has the columns of steward get: NAME, READY, REASON, the kind’s columns, AGE; wide ones at priority 1', () => {
    const table = kubeTable(deviceColumns, [], NOW);
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions.map((column) => [column.name, column.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Reason', 0],
      ['PLATFORM', 0],
      ['APPROVED', 0],
      ['ASSURANCE', 0],
      ['LAST SEEN', 0],
      ['VERSION', 0],
      ['IDENTIFIER', 1],
      ['USER', 1],
      ['Age', 0],
    ]);
    expect(table.columnDefinitions[0]).toEqual({
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'metadata.name',
      priority: 0,
    });
    expect(table.columnDefinitions.find((column) => column.name === 'PLATFORM')?.description).toBe(
      '.spec.platform',
    );
    for (const column of table.columnDefinitions) expect(column).not.toHaveProperty('cell');
  });

  it('fills each row’s cells from the resource, <none> and Unknown where nothing is known, and the age', () => {
    const table = kubeTable(deviceColumns, [ready, fresh], NOW);
    expect(table.rows.map((row) => row.cells)).toEqual([
      [
        'edge-ready',
        'True',
        'Enrolled',
        'linux',
        'true',
        'hardware',
        '<none>',
        '1.4.2',
        'pid-1',
        'ada@example.com',
        '3h',
      ],
      [
        'edge-new',
        'Unknown',
        '<none>',
        'linux',
        '<none>',
        '<none>',
        '<none>',
        '<none>',
        'machine-id-edge-1',
        '<none>',
        '30s',
      ],
    ]);
  });

  it('carries each row’s metadata as PartialObjectMetadata, and the list metadata', () => {
    const table = kubeTable(deviceColumns, [ready], NOW, { resourceVersion: '99', continue: 'edge-ready' });
    expect(table.metadata).toEqual({ resourceVersion: '99', continue: 'edge-ready' });
    expect(table.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: toKubeObject(ready).metadata,
    });
    expect(table.rows[0].object).not.toHaveProperty('spec');
  });

  it.each<[string, PrinterColumn, Partial<StoredResource>, unknown]>([
    [
      'an out-of count as value/N from an array',
      { name: 'WAVE', jsonPath: '.status.currentWave', outOf: '.spec.waves' },
      { spec: { waves: [1, 2, 3] }, status: { currentWave: 2 } as StoredResource['status'] },
      '2/3',
    ],
    [
      'an out-of count as value/N from a number',
      { name: 'DONE', jsonPath: '.status.done', outOf: '.spec.total' },
      { spec: { total: 10 }, status: { done: 4 } as StoredResource['status'] },
      '4/10',
    ],
    [
      'an out-of value alone when the total is absent',
      { name: 'WAVE', jsonPath: '.status.currentWave', outOf: '.spec.waves' },
      { spec: {}, status: { currentWave: 2 } as StoredResource['status'] },
      '2',
    ],
    [
      'the column’s default when the value is absent',
      { name: 'MODE', jsonPath: '.spec.mode', default: 'auto' },
      { spec: {} },
      'auto',
    ],
    [
      'an array joined by commas',
      { name: 'TAGS', jsonPath: '.spec.tags' },
      { spec: { tags: ['a', 'b'] } },
      'a,b',
    ],
    [
      'an object as JSON',
      { name: 'USER', jsonPath: '.spec.user' },
      { spec: { user: { email: 'a@b.c' } } },
      '{"email":"a@b.c"}',
    ],
    ['a number as text', { name: 'N', jsonPath: '.spec.n' }, { spec: { n: 0 } }, '0'],
    ['an empty string as <none>', { name: 'S', jsonPath: '.spec.s' }, { spec: { s: '' } }, '<none>'],
    [
      'a path through a non-object as <none>',
      { name: 'DEEP', jsonPath: '.spec.platform.name' },
      { spec: { platform: 'linux' } },
      '<none>',
    ],
    [
      'metadata by its Kubernetes name',
      { name: 'RV', jsonPath: '.metadata.resourceVersion' },
      { resourceVersion: 17 },
      '17',
    ],
  ])('a kind column renders %s', (_case, column, resource, cell) => {
    const table = kubeTable([column], [stored(resource)], NOW);
    expect(table.rows[0].cells[3]).toBe(cell);
  });

  it.each<[string | undefined, boolean]>([
    ['application/json;as=Table;v=v1;g=meta.k8s.io', true],
    ['application/json; as=Table; v=v1; g=meta.k8s.io', true],
    [
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      true,
    ],
    ['application/json', false],
    ['application/yaml', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ])('wantsTable(%j) is %s', (accept, expected) => {
    expect(wantsTable(accept)).toBe(expected);
  });
});
