/**
 * mergePatch (RFC 7396 appendix A) and jsonPatch (RFC 6902 appendix A) as tables, then their
 * refusals: what a 400, a 413 and a 422 say, and that inputs are never mutated nor aliased.
 */
import { describe, expect, it } from 'vitest';
import { mergePatch } from '../../src/api/kube/json-merge-patch.js';
import { jsonPatch } from '../../src/api/kube/json-patch.js';
import { MAX_PATCH_DEPTH } from '../../src/api/kube/patch-body.js';
import { BadRequestError, InvalidError, PayloadTooLargeError, type StewardError } from '../../src/errors.js';
import { jsonEqual } from '../../src/resources/json-equal.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

function thrown(run: () => unknown): StewardError {
  try {
    run();
  } catch (error) {
    return error as StewardError;
  }
  throw new Error('expected a throw');
}

describe('mergePatch, RFC 7396 appendix A', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j patched with %j is %j', (target, patch, result) => {
    expect(mergePatch(deepFreeze(target), deepFreeze(patch))).toEqual(result);
  });
});

describe('mergePatch', () => {
  it('removes a label, sets another and keeps the rest of a resource', () => {
    const resource = deepFreeze({
      metadata: { name: 'd1', labels: { team: 'edge', channel: 'beta' } },
      spec: { platform: 'linux', identity: { keyAlgorithm: 'ec-p256' } },
    });
    expect(mergePatch(resource, { metadata: { labels: { team: null, channel: 'stable' } } })).toEqual({
      metadata: { name: 'd1', labels: { channel: 'stable' } },
      spec: { platform: 'linux', identity: { keyAlgorithm: 'ec-p256' } },
    });
  });

  it('shares no object with its inputs', () => {
    const target = { spec: { kept: { deep: 1 } } };
    const patch = { spec: { list: [{ x: 1 }] } };
    const result = mergePatch(target, patch) as { spec: { kept: object; list: object[] } };
    expect(result.spec.kept).not.toBe(target.spec.kept);
    expect(result.spec.list).not.toBe(patch.spec.list);
    expect(result.spec.list[0]).not.toBe(patch.spec.list[0]);
  });

  it.each([
    ['__proto__', JSON.parse('{"metadata": {"__proto__": {"polluted": true}}}'), '/metadata/__proto__'],
    ['constructor', { spec: { constructor: { prototype: 1 } } }, '/spec/constructor'],
    ['prototype', { spec: { list: [{ prototype: 1 }] } }, '/spec/list/0/prototype'],
  ])('refuses the field name %s anywhere, naming where (400)', (name, patch, pointer) => {
    const error = thrown(() => mergePatch({}, patch));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.problems).toEqual([{ pointer, message: `the field name "${name}" is refused` }]);
    expect(error.message).toContain(pointer);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports every refused name at once, in the order of the body', () => {
    const patch = JSON.parse('{"a": {"prototype": 1, "b": {"__proto__": 2}}, "constructor": 3}');
    expect(thrown(() => mergePatch({}, patch)).problems.map((problem) => problem.pointer)).toEqual([
      '/a/prototype',
      '/a/b/__proto__',
      '/constructor',
    ]);
  });

  it('refuses an empty body and nesting past the bound (400), without exhausting the stack', () => {
    expect(thrown(() => mergePatch({}, undefined))).toBeInstanceOf(BadRequestError);
    let deep: unknown = 1;
    for (let depth = 0; depth < 100_000; depth++) deep = { a: deep };
    const error = thrown(() => mergePatch({}, deep));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain(`nested deeper than ${MAX_PATCH_DEPTH} levels`);
  });
});

describe('jsonPatch, RFC 6902 appendix A', () => {
  const cases: Array<[string, unknown, unknown[], unknown]> = [
    [
      'A.1 adds an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'A.2 adds an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'A.3 removes an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'A.4 removes an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'A.5 replaces a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'A.6 moves a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 moves an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 tests a value (success)',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 adds a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'A.11 ignores unrecognized members of an operation',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'A.14 unescapes ~01 to ~1',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: 10 }],
      { '/': 9, '~1': 10 },
    ],
    [
      'A.16 adds an array value with "-"',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
    [
      'copies a value',
      { a: { b: 1 } },
      [{ op: 'copy', from: '/a', path: '/c' }],
      { a: { b: 1 }, c: { b: 1 } },
    ],
    ['replaces the whole document at ""', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
    [
      'moves a value onto itself (nothing changes)',
      { a: 1 },
      [{ op: 'move', from: '/a', path: '/a' }],
      { a: 1 },
    ],
    [
      'tests objects regardless of member order',
      { a: { x: 1, y: [1, { z: null }] } },
      [{ op: 'test', path: '/a', value: { y: [1, { z: null }], x: 1 } }],
      { a: { x: 1, y: [1, { z: null }] } },
    ],
    ['applies nothing for an empty patch', { a: 1 }, [], { a: 1 }],
  ];
  it.each(cases)('%s', (_name, target, operations, result) => {
    expect(jsonPatch(deepFreeze(target), deepFreeze(operations))).toEqual(result);
  });
});

describe('jsonPatch refusals', () => {
  const invalid: Array<[string, unknown, unknown[], string, string]> = [
    [
      'A.9 a failing test names what was expected, not what was found',
      { baz: 'qux' },
      [{ op: 'test', path: '/baz', value: 'bar' }],
      '/baz',
      'JSON patch operation 0 (test /baz): test failed: expected "bar", found a different string',
    ],
    [
      'A.12 an add under a member that does not exist',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz/bat', value: 'qux' }],
      '/baz/bat',
      'JSON patch operation 0 (add /baz/bat): /baz does not exist',
    ],
    [
      'A.15 a string is not a number',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: '10' }],
      '/~01',
      'JSON patch operation 0 (test /~01): test failed: expected "10", found a number',
    ],
    [
      'a remove of a missing member, at its index in the patch',
      { spec: { a: 1 } },
      [
        { op: 'test', path: '/spec/a', value: 1 },
        { op: 'remove', path: '/spec/replicas' },
      ],
      '/spec/replicas',
      'JSON patch operation 1 (remove /spec/replicas): /spec/replicas does not exist',
    ],
    [
      'a replace of a member that does not exist',
      { spec: {} },
      [{ op: 'replace', path: '/spec/x', value: 1 }],
      '/spec/x',
      'JSON patch operation 0 (replace /spec/x): /spec/x does not exist',
    ],
    [
      'an inherited member, which a JSON document does not have',
      { spec: {} },
      [{ op: 'remove', path: '/spec/toString' }],
      '/spec/toString',
      'JSON patch operation 0 (remove /spec/toString): /spec/toString does not exist',
    ],
    [
      'an array index past the end',
      { a: [1, 2] },
      [{ op: 'add', path: '/a/3', value: 0 }],
      '/a/3',
      'JSON patch operation 0 (add /a/3): index 3 is out of bounds: the array /a has 2 elements',
    ],
    [
      'an index with a leading zero',
      { a: [1, 2] },
      [{ op: 'replace', path: '/a/01', value: 0 }],
      '/a/01',
      'JSON patch operation 0 (replace /a/01): "01" is not an index of the array /a',
    ],
    [
      '"-" anywhere but add',
      { a: [1] },
      [{ op: 'remove', path: '/a/-' }],
      '/a/-',
      'JSON patch operation 0 (remove /a/-): "-" is not an index of the array /a',
    ],
    [
      'a path through a string',
      { a: 'text' },
      [{ op: 'add', path: '/a/b', value: 1 }],
      '/a/b',
      'JSON patch operation 0 (add /a/b): /a is a string, not an object or array',
    ],
    [
      'a move from a member that does not exist, pointing at "from"',
      { a: 1 },
      [{ op: 'move', from: '/b', path: '/c' }],
      '/b',
      'JSON patch operation 0 (move from /b to /c): /b does not exist',
    ],
    [
      'a remove of the whole document',
      { a: 1 },
      [{ op: 'remove', path: '' }],
      '',
      'JSON patch operation 0 (remove ""): the whole document cannot be removed',
    ],
  ];
  it.each(invalid)('%s is a 422', (_name, target, operations, pointer, message) => {
    const error = thrown(() => jsonPatch(deepFreeze(target), deepFreeze(operations)));
    expect(error).toBeInstanceOf(InvalidError);
    expect(error.message).toBe(message);
    expect(error.problems).toEqual([{ pointer, message }]);
  });

  const malformed: Array<[string, unknown, Array<{ pointer: string; message: string }>]> = [
    [
      'a body that is not an array',
      { op: 'add', path: '/a', value: 1 },
      [{ pointer: '', message: 'a JSON patch must be an array of operations, got an object' }],
    ],
    [
      'an operation that is not an object',
      ['add'],
      [{ pointer: '/0', message: 'operation 0: must be an object, got a string' }],
    ],
    [
      'an unknown op, every problem of the body at once',
      [{ op: 'merge', path: '/a' }, { path: '/a' }, { op: 'add', path: 'a', value: 1 }],
      [
        {
          pointer: '/0/op',
          message: 'operation 0: "op" must be one of add, remove, replace, move, copy, test, got "merge"',
        },
        {
          pointer: '/1/op',
          message: 'operation 1: "op" must be one of add, remove, replace, move, copy, test, got undefined',
        },
        {
          pointer: '/2/path',
          message: 'operation 2: add path "a" is not a JSON pointer (it must be empty or start with "/")',
        },
      ],
    ],
    [
      'a missing path, from or value',
      [
        { op: 'remove' },
        { op: 'copy', path: '/a' },
        { op: 'replace', path: '/a' },
        { op: 'add', path: 7, value: 1 },
      ],
      [
        { pointer: '/0', message: 'operation 0: remove needs a "path" (a JSON pointer)' },
        { pointer: '/1', message: 'operation 1: copy needs a "from" (a JSON pointer)' },
        { pointer: '/2', message: 'operation 2: replace needs a "value"' },
        {
          pointer: '/3/path',
          message: 'operation 3: "path" of add must be a string (a JSON pointer), got a number',
        },
      ],
    ],
    [
      'a "~" escape RFC 6901 does not define',
      [{ op: 'remove', path: '/a~2' }],
      [
        {
          pointer: '/0/path',
          message: 'operation 0: remove path "/a~2" is not a JSON pointer ("~" must be followed by 0 or 1)',
        },
      ],
    ],
    [
      'a move into its own child',
      [{ op: 'move', from: '/a', path: '/a/b' }],
      [{ pointer: '/0/from', message: 'operation 0: cannot move /a into its own child /a/b' }],
    ],
    [
      'a refused field name in a path',
      [{ op: 'add', path: '/__proto__/polluted', value: true }],
      [
        {
          pointer: '/0/path',
          message:
            'operation 0: add path "/__proto__/polluted" names "__proto__", a field name Steward refuses',
        },
      ],
    ],
    [
      'a refused field name in a value',
      [{ op: 'add', path: '/spec', value: { constructor: { prototype: { polluted: true } } } }],
      [{ pointer: '/0/value/constructor', message: 'the field name "constructor" is refused' }],
    ],
  ];
  it.each(malformed)('%s is a 400 naming the member of the body', (_name, operations, problems) => {
    const error = thrown(() => jsonPatch({ a: 1 }, deepFreeze(operations)));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.problems).toEqual(problems);
    expect(error.message).toContain(problems[0].message);
  });

  it('refuses more than 10,000 operations (413), as Kubernetes', () => {
    const operations = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '', value: {} }));
    expect(thrown(() => jsonPatch({}, operations))).toBeInstanceOf(PayloadTooLargeError);
  });

  it('stops copies that would double the document past the budget (422)', () => {
    // Each copy doubles /a (106 characters at first): ten copies make 108,438 > 100,000.
    const operations = Array.from({ length: 30 }, () => ({ op: 'copy', from: '/a', path: '/a/-' }));
    const error = thrown(() => jsonPatch({ a: ['x'.repeat(100)] }, operations, { maxCopiedChars: 100_000 }));
    expect(error).toBeInstanceOf(InvalidError);
    expect(error.message).toBe(
      'JSON patch operation 9 (copy from /a to /a/-): the copies of this patch duplicate more than 100000 characters of JSON, the limit',
    );
  });

  it('never mutates the target nor the operations, and shares no object with them', () => {
    const target = { spec: { list: [{ a: 1 }], kept: { b: 2 } } };
    const value = { nested: { c: 3 } };
    const operations = [
      { op: 'add', path: '/spec/added', value },
      { op: 'add', path: '/spec/added/nested/d', value: 4 },
      { op: 'remove', path: '/spec/list/0' },
    ];
    const result = jsonPatch(deepFreeze(target), deepFreeze(operations)) as { spec: Record<string, unknown> };
    expect(result).toEqual({ spec: { list: [], kept: { b: 2 }, added: { nested: { c: 3, d: 4 } } } });
    expect(result.spec.kept).not.toBe(target.spec.kept);
    expect(result.spec.added).not.toBe(value);
  });

  it('writes nothing through a prototype', () => {
    const attempts = [
      [{ op: 'copy', from: '/constructor', path: '/x' }],
      [{ op: 'add', path: '/a/toString/polluted', value: 1 }],
      [{ op: 'add', path: '/__proto__', value: { polluted: 1 } }],
    ];
    for (const operations of attempts) expect(() => jsonPatch({ a: {} }, operations)).toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype.toString as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [{}, [], false],
    [null, {}, false],
    [1, 1.0, true],
    ['1', 1, false],
  ])('%j and %j: %s', (left, right, equal) => {
    expect(jsonEqual(left, right)).toBe(equal);
  });
});
