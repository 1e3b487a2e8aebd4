/** The JwksCache's own rules, with a fake fetch and clock (the real issuer is in trust-policy-readiness.test.ts). */
import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../src/trust/jwks-cache.js';

const ISSUER = 'https://issuer.example';
const KEY = { kty: 'EC', kid: 'k1', crv: 'P-256', x: 'x', y: 'y' };

function fakeIssuer(options: { down?: boolean; jwksBody?: string; cacheControl?: string } = {}) {
  const calls: string[] = [];
  const state = { down: options.down ?? false };
  const fetcher = (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    if (state.down) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const body = url.endsWith('/.well-known/openid-configuration')
      ? JSON.stringify({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` })
      : (options.jwksBody ?? JSON.stringify({ keys: [KEY] }));
    return new Response(body, {
      headers: { 'content-type': 'application/json', 'cache-control': options.cacheControl ?? 'max-age=600' },
    });
  }) as typeof fetch;
  return { calls, state, fetcher };
}

describe('JwksCache', () => {
  it('answers from memory until the refresh time, then fetches again', async () => {
    let now = 0;
    const issuer = fakeIssuer();
    const cache = new JwksCache({ fetch: issuer.fetcher, now: () => now });
    expect((await cache.keysFor(ISSUER)).ok).toBe(true);
    now = 539_000;
    await cache.keysFor(ISSUER);
    expect(issuer.calls).toHaveLength(2);
    now = 540_000;
    await cache.keysFor(ISSUER);
    expect(issuer.calls).toHaveLength(4);
  });

  it('shares one fetch between concurrent callers', async () => {
    const issuer = fakeIssuer();
    const cache = new JwksCache({ fetch: issuer.fetcher });
    await Promise.all([cache.keysFor(ISSUER), cache.keysFor(ISSUER), cache.keyFor(ISSUER, 'k1')]);
    expect(issuer.calls).toEqual([`${ISSUER}/.well-known/openid-configuration`, `${ISSUER}/jwks`]);
  });

  it('remembers a failure for 30 s, so a failing issuer is not asked at every exchange', async () => {
    let now = 0;
    const issuer = fakeIssuer({ down: true });
    const cache = new JwksCache({ fetch: issuer.fetcher, now: () => now });
    expect(await cache.keysFor(ISSUER)).toEqual({
      ok: false,
      reason: 'IssuerUnreachable',
      message: `${ISSUER}/.well-known/openid-configuration could not be fetched: ECONNREFUSED`,
    });
    issuer.state.down = false;
    now = 29_000;
    expect((await cache.keysFor(ISSUER)).ok).toBe(false);
    now = 30_000;
    expect((await cache.keysFor(ISSUER)).ok).toBe(true);
  });

  it('keeps serving unexpired keys to keyFor while the issuer is down', async () => {
    let now = 0;
    const issuer = fakeIssuer();
    const cache = new JwksCache({ fetch: issuer.fetcher, now: () => now });
    await cache.keysFor(ISSUER);
    issuer.state.down = true;
    now = 550_000;
    expect(await cache.keyFor(ISSUER, 'k1')).toMatchObject({ kid: 'k1' });
    now = 600_000;
    await expect(cache.keyFor(ISSUER, 'k1')).rejects.toThrow(
      `the keys of ${ISSUER} are not available: ${ISSUER}/.well-known/openid-configuration could not be fetched: ECONNREFUSED`,
    );
  });

  it('refuses a JWKS over the size cap as DiscoveryInvalid', async () => {
    const issuer = fakeIssuer({ jwksBody: JSON.stringify({ keys: [KEY], pad: 'x'.repeat(2_000) }) });
    const cache = new JwksCache({ fetch: issuer.fetcher, maxBytes: 1_000 });
    expect(await cache.keysFor(ISSUER)).toMatchObject({ ok: false, reason: 'DiscoveryInvalid' });
  });

  it('refuses an http issuer, even on loopback unless the server allows it', async () => {
    const strict = new JwksCache({ fetch: fakeIssuer().fetcher });
    expect(await strict.keysFor('http://127.0.0.1:9')).toMatchObject({
      ok: false,
      reason: 'DiscoveryInvalid',
      message: 'the issuer http://127.0.0.1:9/ is not https',
    });
    const local = new JwksCache({ fetch: fakeIssuer().fetcher, httpLoopback: true });
    expect(await local.keysFor('http://issuer.example')).toMatchObject({
      ok: false,
      reason: 'DiscoveryInvalid',
      message: 'the issuer http://issuer.example/ is not https (http is accepted on loopback addresses only)',
    });
  });
});
