/**
 * The per-process cache of OIDC issuers' signing keys (TrustPolicy type oidc): discovery
 * (`<issuer>/.well-known/openid-configuration` → `jwks_uri`), then the JWKS, kept for its HTTP
 * cache lifetime bounded to [5 min, 24 h]. Failures are values, with the reason the TrustPolicy
 * reports. The TrustPolicy reconciler refreshes an entry before it expires; an exchange asking for
 * an unknown `kid` refreshes it at once, at most once per `unknownKidIntervalMs` per issuer, so a
 * flood of tokens with made-up key ids cannot turn Steward into a load generator for the issuer.
 */

import type { JWK } from 'jose';
import { ALLOWED_ALGORITHMS, isAllowedAlgorithm } from '../federation/algorithms.js';

/** Why an issuer's keys are not available; the TrustPolicy's Ready reason. */
export type JwksFailureReason = 'IssuerUnreachable' | 'DiscoveryInvalid' | 'NoUsableKeys';

/** An issuer's usable keys as last fetched. */
export interface IssuerKeys {
  issuer: string;
  jwksUri: string;
  /** Public signing keys with an allowed algorithm, in the JWKS's order. */
  keys: JWK[];
  /** The `kid` of each key that has one. */
  keyIds: string[];
  fetchedAt: Date;
  /** The end of the cache lifetime: past it the keys are fetched again before use. */
  expiresAt: Date;
  /** When the reconciler refreshes (90% of the lifetime), so exchanges rarely meet an expired entry. */
  refreshAt: Date;
}

export type JwksResult =
  | { ok: true; keys: IssuerKeys }
  | { ok: false; reason: JwksFailureReason; message: string };

export interface JwksCacheOptions {
  /** Milliseconds since the epoch (the injectable clock). */
  now?: () => number;
  fetch?: typeof fetch;
  /** Per request (discovery and JWKS each). Default 5 s. */
  timeoutMs?: number;
  /** Largest document accepted, in bytes. Default 256 KiB (GitHub's JWKS is about 2 KiB). */
  maxBytes?: number;
  /** Bounds of the cache lifetime taken from Cache-Control max-age. Default 5 min and 24 h. */
  minLifetimeMs?: number;
  maxLifetimeMs?: number;
  /** The least time between two fetches caused by unknown key ids. Default 60 s. */
  unknownKidIntervalMs?: number;
  /** How long a failure is answered from memory before the issuer is tried again. Default 30 s. */
  failureTtlMs?: number;
  /** Whether issuers on loopback addresses may be plain http (STEWARD_OIDC_HTTP_LOOPBACK). Default false. */
  httpLoopback?: boolean;
}

const MINUTE = 60_000;

/** Issuers need https; loopback hosts may use http when the server allows it (local issuers, tests). */
function transportProblem(url: URL, httpLoopback: boolean): string | undefined {
  if (url.protocol === 'https:') return undefined;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback && httpLoopback) return undefined;
  return `${url.href} is not https${httpLoopback ? ' (http is accepted on loopback addresses only)' : ''}`;
}

/** Whether a JWK may verify tokens: public, for signatures, with an allowed (or no) algorithm. Pure. */
export function usableKey(key: unknown): key is JWK {
  if (key === null || typeof key !== 'object') return false;
  const jwk = key as JWK;
  if (!['RSA', 'EC', 'OKP'].includes(String(jwk.kty))) return false;
  if (jwk.d !== undefined) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && !isAllowedAlgorithm(jwk.alg)) return false;
  return true;
}

/** The lifetime a response asks for through Cache-Control max-age, bounded. Pure. */
export function cacheLifetimeMs(cacheControl: string | null, min: number, max: number): number {
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '');
  const noStore = /(?:^|,)\s*(?:no-store|no-cache)\b/i.test(cacheControl ?? '');
  const asked = noStore ? 0 : match ? Number(match[1]) * 1000 : min;
  return Math.min(max, Math.max(min, asked));
}

/** No key set of the issuer is available (not fetched, or the last fetch failed and nothing unexpired is cached). */
export class IssuerKeysUnavailableError extends Error {
  readonly reason: JwksFailureReason;

  constructor(
    readonly issuer: string,
    failure?: { reason: JwksFailureReason; message: string },
  ) {
    super(`the keys of ${issuer} are not available: ${failure?.message ?? 'not fetched'}`);
    this.reason = failure?.reason ?? 'IssuerUnreachable';
  }
}

class FetchFailure extends Error {
  constructor(
    readonly reason: JwksFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** One cache a process, shared by the TrustPolicy reconciler and the token exchanges. */
export class JwksCache {
  private readonly entries = new Map<string, IssuerKeys>();
  /** Fetches under way, so concurrent callers share one. */
  private readonly inflight = new Map<string, Promise<JwksResult>>();
  /** When an unknown kid last caused a fetch, per issuer. */
  private readonly unknownKidFetches = new Map<string, number>();
  /** The last failure per issuer and until when it stands, so a failing issuer is not asked at every exchange. */
  private readonly failures = new Map<string, { result: JwksResult; until: number }>();
  private readonly now: () => number;
  private readonly fetcher: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly minLifetimeMs: number;
  private readonly maxLifetimeMs: number;
  private readonly unknownKidIntervalMs: number;
  private readonly failureTtlMs: number;
  private readonly httpLoopback: boolean;

  constructor(options: JwksCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.fetcher = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.minLifetimeMs = options.minLifetimeMs ?? 5 * MINUTE;
    this.maxLifetimeMs = options.maxLifetimeMs ?? 24 * 60 * MINUTE;
    this.unknownKidIntervalMs = options.unknownKidIntervalMs ?? MINUTE;
    this.failureTtlMs = options.failureTtlMs ?? 30_000;
    this.httpLoopback = options.httpLoopback ?? false;
  }

  /**
   * The issuer's keys: the cached entry until its refresh time, else fetched (discovery, then the
   * JWKS). A failure is answered from memory for `failureTtlMs` (unless forced) and leaves a
   * still-unexpired entry in place for `keyFor`. Never throws.
   */
  async keysFor(issuer: string, options: { force?: boolean } = {}): Promise<JwksResult> {
    const cached = this.entries.get(issuer);
    if (!options.force && cached && this.now() < cached.refreshAt.getTime())
      return { ok: true, keys: cached };
    const failed = this.failures.get(issuer);
    if (!options.force && failed && this.now() < failed.until) return failed.result;
    const running = this.inflight.get(issuer);
    if (running) return running;
    const fetching = this.fetchKeys(issuer).finally(() => this.inflight.delete(issuer));
    this.inflight.set(issuer, fetching);
    return fetching;
  }

  /**
   * The key with this id, refreshing the JWKS once when the id is unknown (a rotation), at most
   * once per interval per issuer. Undefined when the issuer's key set has no such usable key.
   * Rejects with IssuerKeysUnavailableError when there is no key set at all (the issuer cannot be
   * reached and nothing unexpired is cached): that is not the token's fault.
   */
  async keyFor(issuer: string, kid: string): Promise<JWK | undefined> {
    const result = await this.keysFor(issuer);
    const entry = result.ok ? result.keys : this.unexpired(issuer);
    if (!entry) throw new IssuerKeysUnavailableError(issuer, result.ok ? undefined : result);
    const found = entry.keys.find((key) => key.kid === kid);
    if (found) return found;
    const last = this.unknownKidFetches.get(issuer);
    if (last !== undefined && this.now() - last < this.unknownKidIntervalMs) return undefined;
    this.unknownKidFetches.set(issuer, this.now());
    const refreshed = await this.keysFor(issuer, { force: true });
    return refreshed.ok ? refreshed.keys.keys.find((key) => key.kid === kid) : undefined;
  }

  /** The cached entry while it has not expired. */
  private unexpired(issuer: string): IssuerKeys | undefined {
    const entry = this.entries.get(issuer);
    return entry && this.now() < entry.expiresAt.getTime() ? entry : undefined;
  }

  private async fetchKeys(issuer: string): Promise<JwksResult> {
    try {
      const keys = await this.discoverAndFetch(issuer);
      this.entries.set(issuer, keys);
      this.failures.delete(issuer);
      return { ok: true, keys };
    } catch (error) {
      const result: JwksResult =
        error instanceof FetchFailure
          ? { ok: false, reason: error.reason, message: error.message }
          : { ok: false, reason: 'IssuerUnreachable', message: String(error) };
      this.failures.set(issuer, { result, until: this.now() + this.failureTtlMs });
      return result;
    }
  }

  private async discoverAndFetch(issuer: string): Promise<IssuerKeys> {
    const issuerUrl = parseUrl(issuer, 'the issuer');
    const issuerProblem = transportProblem(issuerUrl, this.httpLoopback);
    if (issuerProblem) throw new FetchFailure('DiscoveryInvalid', `the issuer ${issuerProblem}`);
    const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const discovery = (await this.getJson(discoveryUrl)).body;
    if (discovery === null || typeof discovery !== 'object' || Array.isArray(discovery))
      throw new FetchFailure('DiscoveryInvalid', `${discoveryUrl} is not a JSON object`);
    const document = discovery as Record<string, unknown>;
    if (document.issuer !== issuer)
      throw new FetchFailure(
        'DiscoveryInvalid',
        `${discoveryUrl} names the issuer ${JSON.stringify(document.issuer)}, not ${JSON.stringify(issuer)}`,
      );
    if (typeof document.jwks_uri !== 'string' || document.jwks_uri === '')
      throw new FetchFailure('DiscoveryInvalid', `${discoveryUrl} has no jwks_uri`);
    const jwksUri = document.jwks_uri;
    const jwksProblem = transportProblem(parseUrl(jwksUri, 'jwks_uri'), this.httpLoopback);
    if (jwksProblem) throw new FetchFailure('DiscoveryInvalid', `jwks_uri ${jwksProblem}`);
    const fetchedAt = this.now();
    const jwks = await this.getJson(jwksUri);
    const listed = (jwks.body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(listed))
      throw new FetchFailure('DiscoveryInvalid', `${jwksUri} is not a JWKS (no "keys" array)`);
    const keys = listed.filter(usableKey).map((key) => ({ ...key }));
    if (keys.length === 0)
      throw new FetchFailure(
        'NoUsableKeys',
        `${jwksUri} lists ${listed.length} key(s), none a public signing key with an allowed algorithm (${ALLOWED_ALGORITHMS.join(', ')})`,
      );
    const lifetime = cacheLifetimeMs(jwks.cacheControl, this.minLifetimeMs, this.maxLifetimeMs);
    return {
      issuer,
      jwksUri,
      keys,
      keyIds: keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : [])),
      fetchedAt: new Date(fetchedAt),
      expiresAt: new Date(fetchedAt + lifetime),
      refreshAt: new Date(fetchedAt + Math.floor(lifetime * 0.9)),
    };
  }

  /** GET with a timeout and a size cap; any failure to obtain JSON is IssuerUnreachable or DiscoveryInvalid. */
  private async getJson(url: string): Promise<{ body: unknown; cacheControl: string | null }> {
    let response: Response;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      response = await this.fetcher(url, {
        signal,
        redirect: 'follow',
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new FetchFailure(
        'IssuerUnreachable',
        `${url} could not be fetched: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new FetchFailure('IssuerUnreachable', `${url} answered HTTP ${response.status}`);
    }
    const text = await this.readCapped(url, response);
    try {
      return { body: JSON.parse(text), cacheControl: response.headers.get('cache-control') };
    } catch {
      throw new FetchFailure('DiscoveryInvalid', `${url} did not answer JSON`);
    }
  }

  private async readCapped(url: string, response: Response): Promise<string> {
    const tooBig = () =>
      new FetchFailure('DiscoveryInvalid', `${url} answered more than ${this.maxBytes} bytes`);
    if (Number(response.headers.get('content-length') ?? 0) > this.maxBytes) {
      await response.body?.cancel();
      throw tooBig();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body ?? []) {
        size += chunk.byteLength;
        if (size > this.maxBytes) throw tooBig();
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof FetchFailure) throw error;
      throw new FetchFailure('IssuerUnreachable', `${url} could not be read: ${(error as Error).message}`);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new FetchFailure('DiscoveryInvalid', `${what} ${JSON.stringify(value)} is not a URL`);
  }
}
