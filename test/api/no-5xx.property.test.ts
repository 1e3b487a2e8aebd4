import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adminToken, call, device, useServer } from '../support/server.js';

/**
 * No input on the query string or in a path parameter is a server fault: random queries at every
 * GET route of the served OpenAPI document (so a new route is covered the day it is documented),
 * as the admin and unauthenticated, must answer below 500, and every 4xx in the one Status shape.
 * A failure prints fast-check's seed and path; replay it with STEWARD_FC_SEED and STEWARD_FC_PATH
 * (STEWARD_FC_RUNS runs longer).
 */

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

interface Route {
  path: string;
  pathParameters: string[];
  queryParameters: string[];
  streams: boolean;
}

/** Parameter names every route might be given, known or not to that route. */
const KNOWN = [
  'labelSelector',
  'fieldSelector',
  'limit',
  'continue',
  'since',
  'until',
  'kind',
  'name',
  'actor',
  'operation',
  'result',
  'after',
  'format',
  'watch',
  'dryRun',
  'prune',
  'resourceVersion',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];

const percentGarbage = fc
  .array(
    fc.constantFrom(
      '%',
      '%2',
      '%zz',
      '%FF',
      '%C0%80',
      '%00',
      '%E2%82',
      '&',
      '=',
      '+',
      ';',
      'a',
      '%25',
      '%5B%5D',
    ),
    {
      maxLength: 12,
    },
  )
  .map((parts) => ({ raw: parts.join('') }));

/** Text shaped like what the parsers read (selectors, times, numbers, continue tokens). */
const shaped = fc.oneof(
  fc
    .array(
      fc.constantFrom('a', 'b', '=', '==', '!=', '!', ',', ' ', '(', ')', ' in ', ' notin ', 'x/y', '.', '-'),
      {
        maxLength: 20,
      },
    )
    .map((parts) => parts.join('')),
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e3',
    '99999999999999999999',
    'NaN',
    'Infinity',
    '',
    'true',
    'false',
    'yaml',
    'json',
    'pem',
    'der',
    '2026-01-01T00:00:00Z',
    '2026-13-45T99:99:99Z',
    '-271821-04-20T00:00:00Z',
    '1h',
    'now',
    'null',
    '[]',
    '{}',
    'eyJ2IjoxLCJhZnRlciI6MX0', // a continue token whose `after` is a number
    'eyJ2IjoxfQ', // {"v":1}
    'bnVsbA', // null
  ),
  fc.integer().map(String),
  fc.bigInt().map(String),
);

/** A query value: encoded text (unicode, huge, shaped) or raw percent-encoded garbage. */
const queryValue = fc.oneof(
  { weight: 3, arbitrary: shaped.map((text) => ({ text })) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((text) => ({ text })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 60_000 }).map((length) => ({ text: 'a,'.repeat(length / 2) })),
  },
  { weight: 2, arbitrary: percentGarbage },
);

const queryKey = fc.oneof(
  // One of the route's own documented query parameters, so that its parsing is reached often.
  { weight: 4, arbitrary: fc.nat().map((own) => ({ own })) },
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: percentGarbage },
);

type Piece = { text: string } | { raw: string } | { own: number };

/** A query: mostly distinct keys (so that the routes' own parsing is reached), sometimes a repeat. */
const query = fc
  .tuple(fc.array(fc.tuple(queryKey, queryValue), { maxLength: 6 }), fc.boolean(), fc.nat())
  .map(([pairs, repeat, which]) =>
    repeat && pairs.length > 0 ? [...pairs, pairs[which % pairs.length]] : pairs,
  );

const pathValue = fc.oneof(
  fc.constantFrom('real', 'real', 'default', 'nope', '..', '.', '%2e%2e', '%00', '%', '%zz', 'a%2Fb'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(encodeURIComponent),
  fc.integer({ min: 64, max: 2000 }).map((length) => 'n'.repeat(length)),
);

const caller = fc.constantFrom('admin', 'admin', 'admin', 'anonymous');

/** A route by its position in the document (random runs) or by its path (the examples). */
type RoutePick = { index: number } | { path: string };

/** Inputs that were 5xx or a body other than a Status, kept so that they stay fixed. */
const REGRESSIONS: Array<[RoutePick, string[], Array<[Piece, Piece]>, string]> = [
  // 1,000 requirements: SQLite's "Expression tree is too large", a 500.
  [
    { path: '/api/v1/devices' },
    ['real'],
    [[{ text: 'labelSelector' }, { text: 'a,'.repeat(999).concat('a') }]],
    'admin',
  ],
  // A repeated labelSelector: an array reached `selector.trim()`, a 500.
  [
    { path: '/api/v1/devices' },
    ['real'],
    [
      [{ text: 'labelSelector' }, { text: 'a' }],
      [{ text: 'labelSelector' }, { text: 'b' }],
    ],
    'admin',
  ],
  // A URL past Node's header limit over a socket: Fastify answered 431 {error, message, statusCode}.
  [
    { path: '/api/v1/journal/follow' },
    ['real'],
    [[{ text: 'after' }, { text: 'a,'.repeat(10_000) }]],
    'admin',
  ],
];

function routesOf(document: { paths: Record<string, { get?: Operation }> }): Route[] {
  return Object.entries(document.paths).flatMap(([path, operations]) => {
    const get = operations.get;
    if (!get) return [];
    const parameters = get.parameters ?? [];
    return [
      {
        path,
        pathParameters: parameters
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => parameter.name),
        queryParameters: parameters
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name),
        streams: Object.values(get.responses ?? {}).some(
          (response) => 'text/event-stream' in (response.content ?? {}),
        ),
      },
    ];
  });
}

describe('no 5xx on any GET route, whatever the query string', () => {
  const suite = useServer();
  let routes: Route[] = [];
  /** Real names for `{name}`-like parameters, so that handlers past the lookup are reached too. */
  const real: Record<string, string> = { tenant: 'default', ca: 'root-ca', name: 'probe-1' };

  it('serves its GET routes in the OpenAPI document', async () => {
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [
        device('probe-1', { team: 'a' }),
        {
          apiVersion: 'steward.dev/v1',
          kind: 'CertificateAuthority',
          metadata: { name: 'root-ca' },
          spec: { type: 'root', subject: { commonName: 'Probe Root' } },
        },
      ],
    });
    expect(applied.status).toBe(200);
    const document = await call<{ paths: Record<string, { get?: Operation }> }>(
      suite.server,
      'GET',
      '/api/v1/openapi.json',
    );
    routes = routesOf(document.body);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((route) => route.streams)).toBe(true);
  });

  async function request(url: string, who: string, streams: boolean) {
    const token = who === 'admin' ? adminToken(suite.server) : undefined;
    if (!streams) {
      const response = await suite.server.app.inject({
        method: 'GET',
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return {
        status: response.statusCode,
        type: String(response.headers['content-type'] ?? ''),
        text: response.body,
      };
    }
    // A follow stream that opens never ends: read its status over a socket, then hang up.
    const abort = new AbortController();
    const response = await fetch(`${suite.server.url}${url}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: abort.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    const text = type.startsWith('text/event-stream') ? '' : await response.text();
    abort.abort();
    return { status: response.status, type, text };
  }

  function urlOf(route: Route, pathValues: string[], pairs: Array<[Piece, Piece]>): string {
    let path = route.path;
    route.pathParameters.forEach((parameter, index) => {
      const value = pathValues[index % pathValues.length];
      path = path.replace(`{${parameter}}`, value === 'real' ? (real[parameter] ?? 'probe-1') : value);
    });
    const encode = (piece: Piece) => {
      if ('raw' in piece) return piece.raw;
      if ('text' in piece) return encodeURIComponent(piece.text);
      const own = route.queryParameters;
      return own.length > 0 ? own[piece.own % own.length] : 'limit';
    };
    const search = pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
    return search ? `${path}?${search}` : path;
  }

  it('answers random queries and path values below 500, and every 4xx as a Status', async () => {
    expect(routes.length).toBeGreaterThan(0);
    const seed = process.env.STEWARD_FC_SEED ? Number(process.env.STEWARD_FC_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.nat().map((index): RoutePick => ({ index })),
        fc.array(pathValue, { minLength: 1, maxLength: 2 }),
        query,
        caller,
        async (pick, pathValues, pairs, who) => {
          const route =
            'path' in pick
              ? routes.find((candidate) => candidate.path === pick.path)
              : routes[pick.index % routes.length];
          if (!route) throw new Error(`no GET route ${JSON.stringify(pick)} in the OpenAPI document`);
          const url = urlOf(route, pathValues, pairs);
          const response = await request(url, who, route.streams);
          expect(
            response.status,
            `GET ${url.slice(0, 300)} as ${who}: ${response.text.slice(0, 300)}`,
          ).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.type, `GET ${url.slice(0, 300)}`).toContain('application/json');
            const body = JSON.parse(response.text) as Record<string, unknown>;
            expect(body).toMatchObject({ kind: 'Status', code: response.status });
            expect(typeof body.reason).toBe('string');
            expect(typeof body.message).toBe('string');
          }
        },
      ),
      {
        numRuns: Number(process.env.STEWARD_FC_RUNS ?? 2000),
        seed,
        path: process.env.STEWARD_FC_PATH,
        examples: REGRESSIONS,
      },
    );
  }, 60_000);
});
