import { beforeAll, describe, expect, it } from 'vitest';
import { API_REFERENCE_CSP } from '../../src/api/api-reference.js';
import { useServer } from '../support/server.js';

/**
 * The URLs of other hosts that the reference's assets may contain, each because it is never
 * fetched. The list is exact (no host or prefix wildcards): an upgrade of swagger-ui that adds a
 * URL fails this test until someone has looked at what the new URL does. Beyond this list, the
 * pages' Content-Security-Policy (`connect-src 'self'`, `default-src 'self'`) would keep a browser
 * from fetching any of them anyway.
 */
const NEVER_FETCHED: Record<string, string[]> = {
  'XML namespace names, compared as strings by createElementNS and SVG; never dereferenced': [
    'http://www.w3.org/1998/Math/MathML',
    'http://www.w3.org/1999/xhtml',
    'http://www.w3.org/1999/xlink',
    'http://www.w3.org/2000/svg',
    'http://www.w3.org/XML/1998/namespace',
  ],
  'JSON Schema and OpenAPI dialect identifiers, compared as strings to pick a dialect; the document has no $schema that would point at them':
    [
      'http://json-schema.org/draft-04/schema#',
      'http://json-schema.org/draft-06/schema#',
      'http://json-schema.org/draft-07/schema#',
      'https://json-schema.org/draft/2019-09/schema',
      'https://json-schema.org/draft/2020-12/schema',
      'https://spec.openapis.org/oas/3.1/dialect/base',
      'https://spec.openapis.org/oas/3.2/dialect/2025-09-17',
      'https://spec.openapis.org/oas/3.2/schema/2025-09-17',
    ],
  'references in source comments and in the text of error messages, for people': [
    'http://fb.me/use-check-prop-types',
    'https://datatracker.ietf.org/doc/html/rfc2616#section-2.2',
    'https://datatracker.ietf.org/doc/html/rfc3986#section-2.1',
    'https://datatracker.ietf.org/doc/html/rfc3986#section-2.2',
    'https://datatracker.ietf.org/doc/html/rfc3986#section-2.3',
    'https://datatracker.ietf.org/doc/html/rfc3986#section-3.3',
    'https://datatracker.ietf.org/doc/html/rfc5234#appendix-B.1',
    'https://datatracker.ietf.org/doc/html/rfc6265#section-2.2',
    'https://datatracker.ietf.org/doc/html/rfc6265#section-4.1.1',
    'https://datatracker.ietf.org/doc/html/rfc6265#section-4.2.1',
    'https://datatracker.ietf.org/doc/html/rfc6901',
    'https://datatracker.ietf.org/doc/html/rfc6901#section-4',
    'https://datatracker.ietf.org/doc/html/rfc9110#section-5.6.2',
    'https://github.com/highlightjs/highlight.js/issues/2277',
    'https://github.com/highlightjs/highlight.js/issues/2534',
    'https://github.com/highlightjs/highlight.js/issues/2559',
    'https://github.com/highlightjs/highlight.js/pull/2844',
    'https://github.com/zloirock/core-js',
    'https://github.com/zloirock/core-js/blob/v3.40.0/LICENSE',
    'https://reactjs.org/docs/error-decoder.html?invariant=',
    'https://redux.js.org/Errors?code=$',
    'https://stackoverflow.com/a/77855838/492336',
    'https://www.rfc-editor.org/errata/eid5518',
    'https://www.rfc-editor.org/errata/eid6937',
    'https://www.rfc-editor.org/errata/eid8242',
    'https://www.rfc-editor.org/rfc/rfc6570#section-1.5',
    'https://www.rfc-editor.org/rfc/rfc6570#section-2',
    'https://www.rfc-editor.org/rfc/rfc6570#section-2.1',
  ],
  'bases and samples of URL code: `new URL(x, base)` to parse or sanitize, scheme prefixes, generated example values':
    [
      'http://',
      'https://',
      'https://base$',
      'https://vladimirgorej.com',
      'https://example.com/',
      'https://example.com/dictionary/',
      'https://실례.com/',
    ],
  'targets of links (<a href>) built only when the document asks: a license identifier (Steward’s has none), @mentions and hashtags in Markdown; a link is followed only by a click':
    [
      'https://spdx.org/licenses/$',
      'https://instagram.com/',
      'https://instagram.com/explore/tags/',
      'https://soundcloud.com/',
      'https://twitter.com/',
      'https://twitter.com/hashtag/',
      'https://www.facebook.com/hashtag/',
      'https://www.tiktok.com/@',
      'https://www.tiktok.com/tag/',
    ],
  'the top bar’s logo link: StandaloneLayout only, and the reference uses BaseLayout (asserted below)': [
    'https://swagger.io',
  ],
  'the online validator badge: used only when validatorUrl is unset; the initializer sets it to null (asserted below)':
    ['https://validator.swagger.io/validator'],
};

const URL_PATTERN = /https?:\/\/[^\][\s"'`<>(){}\\,;|^]*/g;

/**
 * Addresses an asset makes the browser load: src/href of HTML, url() of CSS, resolveUrl() of the
 * initializer (the scripts' other strings are code, not addresses).
 */
function referencesOf(path: string, type: string, text: string): string[] {
  let found: string[] = [];
  if (type.startsWith('text/html')) found = [...text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  else if (type.startsWith('text/css'))
    found = [...text.matchAll(/url\(\s*["']?([^"')]+)/g)].map((m) => m[1]);
  else if (path.endsWith('/swagger-initializer.js'))
    // resolveUrl('/') is the logo link of StandaloneLayout only, which the reference does not use.
    found = [...text.matchAll(/resolveUrl\('(\.\/[^']+)'\)/g)].map((m) => `/api/docs/${m[1]}`);
  return found
    .filter((reference) => !reference.startsWith('data:') && !reference.startsWith('#'))
    .map((reference) => new URL(reference, `http://server${path}`))
    .filter((url) => url.host === 'server')
    .map((url) => url.pathname);
}

describe('the interactive API reference at /api/docs', () => {
  const suite = useServer();
  const served = new Map<string, { status: number; type: string; csp: string | null; text: string }>();

  beforeAll(async () => {
    // Crawls every asset the page loads, and every asset those load, over a real socket.
    const queue = ['/api/docs'];
    while (queue.length > 0) {
      const path = queue.shift() as string;
      if (served.has(path)) continue;
      const response = await fetch(`${suite.server.url}${path}`);
      const type = response.headers.get('content-type') ?? '';
      // Images are scanned too (metadata can hold URLs), byte for byte.
      const text = Buffer.from(await response.arrayBuffer()).toString(
        type.startsWith('image/') ? 'latin1' : 'utf8',
      );
      served.set(path, {
        status: response.status,
        type,
        csp: response.headers.get('content-security-policy'),
        text,
      });
      queue.push(...referencesOf(path, type, text));
    }
  });

  it('serves the page and every asset it references, from this server', () => {
    expect([...served.keys()]).toEqual(
      expect.arrayContaining([
        '/api/docs',
        '/api/docs/static/swagger-ui.css',
        '/api/docs/static/swagger-ui-bundle.js',
        '/api/docs/static/swagger-initializer.js',
        '/api/docs/json',
      ]),
    );
    const failed = [...served].filter(([, asset]) => asset.status !== 200).map(([path]) => path);
    expect(failed).toEqual([]);
    expect(served.get('/api/docs')?.type).toMatch(/^text\/html/);
  });

  it('contains no URL of another host that a browser would fetch', () => {
    const allowed = new Set(Object.values(NEVER_FETCHED).flat());
    const unexpected = new Set<string>();
    let scanned = 0;
    for (const [path, asset] of served) {
      // The document is data, shown as text: its examples name OIDC issuers and download URLs. What
      // could make the page fetch from it, an external $ref or a server, is asserted below.
      if (path === '/api/docs/json') continue;
      for (const match of asset.text.matchAll(URL_PATTERN)) {
        scanned++;
        if (!match[0].startsWith(suite.server.url) && !allowed.has(match[0]))
          unexpected.add(`${path}: ${match[0]}`);
      }
    }
    expect([...unexpected]).toEqual([]);
    expect(scanned).toBeGreaterThan(50);
  });

  it('needs no inline script: every script is a file', () => {
    const html = served.get('/api/docs')?.text ?? '';
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(2);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('is served under a policy that allows only this server’s scripts and connections', () => {
    for (const [path, asset] of served) expect(asset.csp, path).toBe(API_REFERENCE_CSP);
    expect(API_REFERENCE_CSP).toContain("script-src 'self'");
    expect(API_REFERENCE_CSP).toContain("connect-src 'self'");
  });

  it('turns off what would reach another host: the validator badge and the top bar', () => {
    const initializer = served.get('/api/docs/static/swagger-initializer.js')?.text ?? '';
    expect(initializer).toContain('validatorUrl: null');
    expect(initializer).toMatch(/"layout":"BaseLayout"/);
  });

  it('loads the same document as /api/v1/openapi.json, with a link to download it and a bearer scheme for Authorize', async () => {
    const canonical = await (await fetch(`${suite.server.url}/api/v1/openapi.json`)).text();
    const loaded = served.get('/api/docs/json')?.text ?? '';
    expect(JSON.parse(loaded)).toEqual(JSON.parse(canonical));
    const document = JSON.parse(canonical) as {
      info: { description: string };
      components: { securitySchemes: Record<string, { scheme?: string }> };
    };
    expect(document.info.description).toContain('[openapi.json](/api/v1/openapi.json)');
    // Nothing in it makes the page call another host: no servers (try-it-out calls this one), no
    // $ref outside the document.
    expect(document).not.toHaveProperty('servers');
    expect([...loaded.matchAll(/"\$ref":"([^"]*)"/g)].filter((m) => !m[1].startsWith('#/'))).toEqual([]);
    expect(document.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
  });

  it('answers a URL the router refuses (bad encoding, over-long parameter) with a Status, here as on every route', async () => {
    for (const path of ['/api/docs/static/%ff', '/api/v1/devices/%ff']) {
      const response = await fetch(`${suite.server.url}${path}`);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
    }
    const long = await fetch(`${suite.server.url}/api/v1/devices/${'a'.repeat(200)}`);
    expect(long.status).toBe(414);
    expect(await long.json()).toMatchObject({ kind: 'Status', code: 414, reason: 'URITooLong' });
  });

  it('answers an asset that does not exist with a 404 Status, not a file outside its folder', async () => {
    for (const path of ['/api/docs/static/nope.js', '/api/docs/static/..%2f..%2fpackage.json']) {
      const response = await fetch(`${suite.server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ kind: 'Status', code: 404 });
    }
  });
});
