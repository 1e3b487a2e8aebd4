/**
 * The tenant's update-signing public keys as a device holds them: given as a list, or fetched
 * (`GET /api/v1/signing-keys`) on first need and fetched again once when an assignment names a key
 * id the device has not seen (a key created since). Each PEM is parsed once (createPublicKey), so
 * one keyring shared by a simulated fleet of 10,000 devices parses each key once, not per device.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

/** One public key of `GET /api/v1/signing-keys` (the fields a device needs). */
export interface SigningKey {
  keyId: string;
  publicKeyPem: string;
  /** Only Ed25519 keys are used; absent means Ed25519. */
  algorithm?: string;
}

/** The keys themselves, or how to fetch them (e.g. `GET /api/v1/signing-keys` with a credential). */
export type SigningKeySource = readonly SigningKey[] | (() => Promise<readonly SigningKey[]>);

/** After a failed fetch, callers get that failure again for this long instead of a new fetch. */
const FETCH_FAILURE_HOLD_MS = 5_000;

export class SigningKeyring {
  private readonly keys = new Map<string, KeyObject>();
  /** Key ids still unknown after a fetch made because of them: never fetched for again. */
  private readonly unknown = new Set<string>();
  private inFlight?: Promise<void>;
  private failure?: { error: unknown; until: number };

  constructor(
    private readonly source: SigningKeySource,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (typeof source !== 'function') this.add(source);
  }

  /** A keyring as is, else one over the source. */
  static of(keys: SigningKeyring | SigningKeySource): SigningKeyring {
    return keys instanceof SigningKeyring ? keys : new SigningKeyring(keys);
  }

  /**
   * The public key of `keyId`, or undefined when the tenant has no such key. With a fetching
   * source: fetches on first use, then once more for each key id not found (concurrent callers
   * share one fetch), so a stream of assignments naming an unknown id costs one fetch, not one
   * per device. Rejects when the fetch fails (the caller retries later: not knowing the keys is
   * not proof that the key is unknown).
   */
  async publicKey(keyId: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(keyId);
    if (known || typeof this.source !== 'function' || this.unknown.has(keyId)) return known;
    // A fetch already under way may have started before this key existed: then one more.
    const joined = this.inFlight !== undefined;
    await this.fetch(this.source);
    if (!this.keys.has(keyId) && joined) await this.fetch(this.source);
    const found = this.keys.get(keyId);
    if (!found) this.unknown.add(keyId);
    return found;
  }

  private fetch(source: () => Promise<readonly SigningKey[]>): Promise<void> {
    if (this.failure && this.now() < this.failure.until) return Promise.reject(this.failure.error);
    this.inFlight ??= source()
      .then(
        (keys) => {
          this.add(keys);
          this.failure = undefined;
        },
        (error: unknown) => {
          this.failure = { error, until: this.now() + FETCH_FAILURE_HOLD_MS };
          throw error;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private add(keys: readonly SigningKey[]): void {
    for (const key of keys) {
      if ((key.algorithm ?? 'Ed25519') !== 'Ed25519' || this.keys.has(key.keyId)) continue;
      let publicKey: KeyObject;
      try {
        publicKey = createPublicKey(key.publicKeyPem);
      } catch {
        continue; // a key that does not parse verifies nothing: its id stays unknown
      }
      // Ed25519 as named, or verify(null, ...) would verify with whatever the key's type implies.
      if (publicKey.asymmetricKeyType !== 'ed25519') continue;
      this.keys.set(key.keyId, publicKey);
      this.unknown.delete(key.keyId);
    }
  }
}
