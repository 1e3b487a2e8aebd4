import { describe, expect, it } from 'vitest';
import { repeatedParameters } from '../../src/api/query-guard.js';
import { BadRequestError } from '../../src/errors.js';
import { parseSelector, SELECTOR_LIMITS, selectorRequirements } from '../../src/resources/selector.js';
import { DIALECTS } from '../support/databases.js';
import { call, device, useServer } from '../support/server.js';

interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: Record<string, unknown>;
}

const requirements = (count: number) => Array.from({ length: count }, () => 'k').join(',');
const values = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`).join(',');

describe('parseSelector bounds', () => {
  const refusals: Array<[string, string, keyof typeof SELECTOR_LIMITS]> = [
    ['a selector longer than maxLength is refused before parsing', `a=${'b'.repeat(4095)}`, 'maxLength'],
    [
      '1,000 requirements are refused (SQLite answered "Expression tree is too large")',
      requirements(1000),
      'maxRequirements',
    ],
    ['one requirement past maxRequirements is refused', requirements(65), 'maxRequirements'],
    ['an in set past maxValuesPerSet is refused', `a in (${values(65)})`, 'maxValuesPerSet'],
    ['a notin set past maxValuesPerSet is refused', `a notin (${values(65)})`, 'maxValuesPerSet'],
    ['a key prefix past 253 characters is refused', `${'a'.repeat(254)}/b=c`, 'maxKeyPrefixLength'],
  ];
  it.each(refusals)('%s', (_name, selector, limit) => {
    let error: unknown;
    try {
      parseSelector(selector);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details).toEqual({
      parameter: 'labelSelector',
      limit,
      max: SELECTOR_LIMITS[limit],
    });
    expect((error as BadRequestError).message).toContain(`at most ${SELECTOR_LIMITS[limit]}`);
  });

  const accepted: Array<[string, string, number]> = [
    ['maxRequirements requirements are accepted', requirements(64), 64],
    ['an in set of maxValuesPerSet values is accepted', `a in (${values(64)})`, 1],
    ['a key prefix of 253 characters is accepted', `${'a'.repeat(253)}/b=c`, 1],
    ['an empty selector selects everything', '  ', 0],
  ];
  it.each(accepted)('%s', (_name, selector, count) => {
    expect(parseSelector(selector)).toHaveLength(count);
  });

  it('refuses label keys and values past the Kubernetes label rules, naming them', () => {
    expect(() => parseSelector(`${'k'.repeat(64)}=v`)).toThrow(/invalid label key .*1 to 63 characters/);
    expect(() => parseSelector(`k=${'v'.repeat(64)}`)).toThrow(/invalid label value .*1 to 63 characters/);
    expect(() => parseSelector(`k=-v`)).toThrow(/invalid label value/);
  });
});

describe('repeatedParameters', () => {
  const cases: Array<[string, unknown, string[]]> = [
    ['a query without repeats has none', { labelSelector: 'a=b', limit: '3' }, []],
    ['a parameter given twice is named', { labelSelector: ['a', 'b'], limit: '3' }, ['labelSelector']],
    ['every repeated parameter is named', { a: ['1', '2'], b: '', c: ['', ''] }, ['a', 'c']],
    ['no query at all has none', undefined, []],
  ];
  it.each(cases)('%s', (_name, query, expected) => {
    expect(repeatedParameters(query)).toEqual(expected);
  });
});

describe.each(DIALECTS)('query input on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  const get = (url: string) =>
    call<StatusBody & { items: Array<{ metadata: { name: string } }> }>(suite.server, 'GET', url);
  const selector = (text: string) => `/api/v1/devices?labelSelector=${encodeURIComponent(text)}`;

  it('answers 1,000 label requirements with a 400 naming the limit, not a database error', async () => {
    const response = await get(selector(requirements(1000)));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      details: { parameter: 'labelSelector', limit: 'maxRequirements', max: 64 },
    });
  });

  it('evaluates a selector at every limit in the database', async () => {
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [device('bound-1', { bound: 'v1', other: 'x' }), device('bound-2', { bound: 'v63' })],
    });
    expect(applied.status).toBe(200);
    // 64 requirements, one of them a 64-value set: as many conditions and parameters as allowed.
    const many = [`bound in (${values(64)})`, ...Array.from({ length: 63 }, (_, i) => `!absent${i}`)].join(
      ',',
    );
    expect(many.length).toBeLessThanOrEqual(SELECTOR_LIMITS.maxLength);
    const response = await get(selector(many));
    expect(response.status).toBe(200);
    expect(response.body.items.map((item) => item.metadata.name)).toEqual(['bound-1', 'bound-2']);
  });

  it('refuses a repeated labelSelector with a 400 naming it (it was "selector.trim is not a function")', async () => {
    const response = await get('/api/v1/devices?labelSelector=a%3Db&labelSelector=c%3Dd');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      details: { parameters: ['labelSelector'] },
    });
    expect(response.body.message).toContain('"labelSelector" given more than once');
  });

  it('refuses a repeated parameter on any route and method, before the handler writes anything', async () => {
    await call(suite.server, 'POST', '/api/v1/apply', { body: [device('kept')] });
    const removed = await call<StatusBody>(
      suite.server,
      'DELETE',
      '/api/v1/devices/kept?dryRun=true&dryRun=false',
    );
    expect(removed.status).toBe(400);
    expect(removed.body.details).toEqual({ parameters: ['dryRun'] });
    expect((await call(suite.server, 'GET', '/api/v1/devices/kept')).status).toBe(200);
    const journal = await get('/api/v1/journal?limit=1&limit=2&kind=a&kind=b');
    expect(journal.status).toBe(400);
    expect(journal.body.details).toEqual({ parameters: ['limit', 'kind'] });
    const unauthenticated = await call<StatusBody>(suite.server, 'GET', '/healthz?x=1&x=2', { token: null });
    expect(unauthenticated.status).toBe(400);
    expect(unauthenticated.body.kind).toBe('Status');
  });
});

describe('requests refused by the HTTP parser, over a socket', () => {
  const suite = useServer();
  it('answers a URL past the header limit with a 431 Status (Fastify answered {error, message, statusCode})', async () => {
    const response = await fetch(`${suite.server.url}/api/v1/devices?labelSelector=${'a'.repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      apiVersion: 'steward.dev/v1',
      kind: 'Status',
      code: 431,
      reason: 'RequestHeaderFieldsTooLarge',
      message: 'the request line and headers exceed the limit of the server',
    });
  });
});

describe.each(DIALECTS)('label selectors in specs on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  const group = (name: string, selector: Record<string, unknown>) => ({
    apiVersion: 'steward.dev/v1',
    kind: 'DeviceGroup',
    metadata: { name },
    spec: { selector },
  });
  const many = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
  const labels = (count: number) => Object.fromEntries(many(count).map((value) => [`k${value}`, value]));
  const expressions = (count: number, values = 1) =>
    Array.from({ length: count }, (_, i) => ({
      key: `e${i}`,
      operator: 'NotIn' as const,
      values: many(values),
    }));

  const refused: Array<[string, Record<string, unknown>, string]> = [
    ['65 matchLabels', { matchLabels: labels(65) }, '/spec/selector/matchLabels'],
    ['65 matchExpressions', { matchExpressions: expressions(65) }, '/spec/selector/matchExpressions'],
    [
      '65 values in one expression',
      { matchExpressions: expressions(1, 65) },
      '/spec/selector/matchExpressions/0/values',
    ],
  ];
  it.each(refused)(
    'refuses a DeviceGroup selector with %s (422 naming the field), storing nothing',
    async (_name, selector, pointer) => {
      const response = await call<
        StatusBody & { details?: { causes?: Array<{ pointer: string; message: string }> } }
      >(suite.server, 'POST', '/api/v1/apply', { body: group('too-wide', selector) });
      expect(response.status).toBe(422);
      expect(response.body.details?.causes).toContainEqual(
        expect.objectContaining({ pointer, message: expect.stringContaining('at most 64') }),
      );
      expect((await call(suite.server, 'GET', '/api/v1/devicegroups/too-wide')).status).toBe(404);
    },
  );

  it('counts with the widest selector the schema allows, in the database (what the DeviceGroup reconciler runs)', async () => {
    const widest = { matchLabels: labels(64), matchExpressions: expressions(64, 64) };
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { body: group('widest', widest) })).status,
    ).toBe(200);
    await call(suite.server, 'POST', '/api/v1/apply', {
      body: [device('member', labels(64)), device('outsider')],
    });
    const count = await suite.server.services.store.count('default', 'Device', selectorRequirements(widest));
    expect(count).toBe(1);
  });
});
