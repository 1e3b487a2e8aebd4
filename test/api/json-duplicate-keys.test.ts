import { describe, expect, it } from 'vitest';
import { countMemberNames, countMembers, findDuplicateNames } from '../../src/apply/json-duplicates.js';
import { adminToken, call, device, useServer } from '../support/server.js';

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: Array<{ document?: number; pointer: string; message: string }> };
  items?: Array<{ name: string; result: string }>;
}

describe('duplicate member names in JSON text', () => {
  const cases: Array<[string, string, string[]]> = [
    ['no duplicates: none', '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', []],
    ['a repeated top-level name is pointed at', '{"a":1,"b":2,"a":3}', ['/a']],
    ['a name equal once decoded is a duplicate', '{"a":1,"\\u0061":2}', ['/a']],
    ['names in sibling objects are not duplicates', '[{"a":1},{"a":2}]', []],
    [
      'a duplicate inside an array element is pointed at by index',
      '[{"a":1},{"b":{"c":1,"c":2}}]',
      ['/1/b/c'],
    ],
    ['a string value looking like a name is not a name', '{"a":"b:","b":"\\"a\\":"}', []],
    ['names with / and ~ are escaped in the pointer', '{"x":{"a/b~":1,"a/b~":2}}', ['/x/a~1b~0']],
    ["after a nested object, its parent's names still count", '{"a":{"z":1},"b":[1,{"y":[]}],"a":2}', ['/a']],
    ['an escaped backslash before a quote ends the string', '{"a\\\\":1,"a\\\\":2}', ['/a\\']],
  ];
  it.each(cases)('%s', (_name, text, duplicates) => {
    expect(findDuplicateNames(text)).toEqual(duplicates);
    // The cheap check agrees: the text has more names than the parsed value exactly when one repeats.
    expect(countMemberNames(text) !== countMembers(JSON.parse(text))).toBe(duplicates.length > 0);
  });
});

describe('JSON apply refuses duplicate keys', () => {
  const suite = useServer();
  const applyText = (text: string, path = '/api/v1/apply') =>
    suite.server.app
      .inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken(suite.server)}` },
        payload: text,
      })
      .then((response) => ({ status: response.statusCode, body: JSON.parse(response.body) as StatusBody }));

  const json = (value: unknown) => JSON.stringify(value);
  // A device whose JSON text has `extra` spliced in right after the opening brace of `where`.
  const withDuplicate = (name: string, where: 'top' | 'spec' | 'labels') => {
    const text = json(device(name, { team: 'a' }));
    if (where === 'top') return text.replace(/^\{/, '{"kind":"Device",');
    if (where === 'spec') return text.replace('"spec":{', '"spec":{"platform":"apple",');
    return text.replace('"labels":{', '"labels":{"team":"b",');
  };

  const refused: Array<[string, string, number, string]> = [
    ['a duplicate at the top level of a single manifest', withDuplicate('dup-top', 'top'), 0, '/kind'],
    [
      'a duplicate nested in spec',
      `[${json(device('ok-1'))},${withDuplicate('dup-spec', 'spec')}]`,
      1,
      '/spec/platform',
    ],
    [
      'a duplicate in metadata.labels',
      `[${withDuplicate('dup-labels', 'labels')}]`,
      0,
      '/metadata/labels/team',
    ],
    [
      'a duplicate in an element of a List',
      `{"apiVersion":"v1","kind":"List","items":[${json(device('ok-2'))},${json(device('ok-3'))},${withDuplicate('dup-list', 'spec')}]}`,
      2,
      '/spec/platform',
    ],
    [
      'a duplicate spelled with an escape ("a" and "\\u0061")',
      json(device('dup-escape')).replace('"spec":{', '"spec":{"\\u0070latform":"apple",'),
      0,
      '/spec/platform',
    ],
  ];
  it.each(refused)(
    '400 for %s, naming the document and the pointer, writing nothing',
    async (_name, text, document, pointer) => {
      const response = await applyText(text);
      expect(response.status).toBe(400);
      expect(response.body.reason).toBe('BadRequest');
      expect(response.body.message).toContain('duplicate key');
      expect(response.body.details?.causes).toContainEqual(expect.objectContaining({ document, pointer }));
      const names = (
        (await call<{ items: Array<{ metadata: { name: string } }> }>(suite.server, 'GET', '/api/v1/devices'))
          .body.items ?? []
      ).map((item) => item.metadata.name);
      expect(names.filter((name) => name.startsWith('ok-') || name.startsWith('dup-'))).toEqual([]);
    },
  );

  it('refuses duplicates in a JSON delete too', async () => {
    const response = await applyText(withDuplicate('dup-delete', 'labels'), '/api/v1/delete');
    expect(response.status).toBe(400);
    expect(response.body.details?.causes?.[0]).toMatchObject({
      document: 0,
      pointer: '/metadata/labels/team',
    });
  });

  it('applies a body without duplicates unchanged, with the same result as before', async () => {
    const body = [
      device('clean-1', { team: 'a' }),
      device('clean-2', {}, { displayName: 'a "quoted": value' }),
    ];
    const response = await applyText(json(body));
    expect(response.status).toBe(200);
    expect(response.body.items?.map((item) => [item.name, item.result])).toEqual([
      ['clean-1', 'created'],
      ['clean-2', 'created'],
    ]);
    const stored = await call<{
      metadata: { labels: Record<string, string> };
      spec: { displayName?: string };
    }>(suite.server, 'GET', '/api/v1/devices/clean-2');
    expect(stored.body.spec.displayName).toBe('a "quoted": value');
  });
});
