/** The apply page's field diff (console/src/pages/manifests/field-diff.ts): pure, table-tested. */
import { describe, expect, it } from 'vitest';
import { type FieldChange, fieldDiff } from '../../console/src/pages/manifests/field-diff.js';

const live = {
  metadata: { labels: { team: 'infra', 'app.kubernetes.io/name': 'edge' }, annotations: { note: 'a' } },
  spec: { platform: 'linux', ids: ['a', 'b'], nested: { x: 1 } },
};

const cases: Array<{
  name: string;
  live: Parameters<typeof fieldDiff>[0];
  submitted: Parameters<typeof fieldDiff>[1];
  want: FieldChange[];
}> = [
  { name: 'an identical manifest differs in nothing', live, submitted: structuredClone(live), want: [] },
  {
    name: 'a changed spec value is changed, with both values',
    live,
    submitted: { ...live, spec: { ...live.spec, platform: 'apple' } },
    want: [{ pointer: '/spec/platform', change: 'changed', before: 'linux', after: 'apple' }],
  },
  {
    name: 'a label only submitted is added, one only live is removed, a / in its key escaped',
    live,
    submitted: { ...live, metadata: { ...live.metadata, labels: { team: 'infra', ring: 'early' } } },
    want: [
      { pointer: '/metadata/labels/app.kubernetes.io~1name', change: 'removed', before: 'edge' },
      { pointer: '/metadata/labels/ring', change: 'added', after: 'early' },
    ],
  },
  {
    name: 'arrays compare element by element',
    live,
    submitted: { ...live, spec: { ...live.spec, ids: ['a', 'c', 'd'] } },
    want: [
      { pointer: '/spec/ids/1', change: 'changed', before: 'b', after: 'c' },
      { pointer: '/spec/ids/2', change: 'added', after: 'd' },
    ],
  },
  {
    name: 'no live resource: every submitted field is added',
    live: undefined,
    submitted: { metadata: { labels: { team: 'x' } }, spec: { platform: 'apple' } },
    want: [
      { pointer: '/metadata/labels/team', change: 'added', after: 'x' },
      { pointer: '/spec/platform', change: 'added', after: 'apple' },
    ],
  },
  {
    name: 'absent and empty annotations are the same',
    live: { metadata: { annotations: {} }, spec: {} },
    submitted: { metadata: {}, spec: {} },
    want: [],
  },
  {
    name: 'an object replaced by a scalar is one change at its pointer',
    live: { spec: { nested: { x: 1 } } },
    submitted: { spec: { nested: 'flat' } },
    want: [{ pointer: '/spec/nested', change: 'changed', before: { x: 1 }, after: 'flat' }],
  },
];

describe('fieldDiff', () => {
  it.each(cases)('$name', ({ live: before, submitted, want }) => {
    expect(fieldDiff(before, submitted)).toEqual(want);
  });
});
