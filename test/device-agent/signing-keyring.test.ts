/**
 * The device's copy of the tenant's signing keys: each key parsed once, fetched on first need and
 * once more for a key id not seen, one fetch shared by concurrent callers, a failed fetch not
 * taken for an unknown key.
 */
import { describe, expect, it } from 'vitest';
import { SigningKeyring } from '../../src/device-agent/signing-keyring.js';
import { signingKey } from './signed-assignment.js';

const first = signingKey('k-1');
const second = signingKey('k-2');
const listed = ({ keyId, publicKeyPem }: { keyId: string; publicKeyPem: string }) => ({
  keyId,
  publicKeyPem,
});

describe('SigningKeyring', () => {
  it('answers the parsed key of a listed id (the same object each time) and undefined for others', async () => {
    const keyring = new SigningKeyring([listed(first)]);
    const key = await keyring.publicKey('k-1');
    expect(key?.asymmetricKeyType).toBe('ed25519');
    expect(await keyring.publicKey('k-1')).toBe(key);
    expect(await keyring.publicKey('k-2')).toBeUndefined();
  });

  it('leaves out keys that are not Ed25519 or do not parse', async () => {
    const keyring = new SigningKeyring([
      { keyId: 'rsa', algorithm: 'RSA', publicKeyPem: first.publicKeyPem },
      { keyId: 'garbage', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
    ]);
    expect(await keyring.publicKey('rsa')).toBeUndefined();
    expect(await keyring.publicKey('garbage')).toBeUndefined();
  });

  it('fetches on first need, then again once for a key id it has not seen, never for a known one', async () => {
    let served = [listed(first)];
    let fetches = 0;
    const keyring = new SigningKeyring(async () => {
      fetches++;
      return served;
    });
    expect(fetches).toBe(0);
    expect(await keyring.publicKey('k-1')).toBeDefined();
    expect(await keyring.publicKey('k-1')).toBeDefined();
    expect(fetches).toBe(1);

    served = [listed(first), listed(second)]; // a key created since
    expect(await keyring.publicKey('k-2')).toBeDefined();
    expect(fetches).toBe(2);

    expect(await keyring.publicKey('k-unknown')).toBeUndefined();
    expect(await keyring.publicKey('k-unknown')).toBeUndefined();
    expect(fetches).toBe(3);
  });

  it('shares one fetch among concurrent callers (a fleet of devices asking at once)', async () => {
    let fetches = 0;
    const keyring = new SigningKeyring(async () => {
      fetches++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return [listed(first)];
    });
    const keys = await Promise.all(Array.from({ length: 100 }, () => keyring.publicKey('k-1')));
    expect(new Set(keys).size).toBe(1);
    expect(fetches).toBe(1);
  });

  it('rejects while the keys cannot be fetched (no verdict), holding a failure for a while', async () => {
    let now = 0;
    let fetches = 0;
    let failing = true;
    const keyring = new SigningKeyring(
      async () => {
        fetches++;
        if (failing) throw new Error('connection refused');
        return [listed(first)];
      },
      () => now,
    );
    await expect(keyring.publicKey('k-1')).rejects.toThrow('connection refused');
    await expect(keyring.publicKey('k-1')).rejects.toThrow('connection refused');
    expect(fetches).toBe(1);
    failing = false;
    now += 5_000;
    expect(await keyring.publicKey('k-1')).toBeDefined();
    expect(fetches).toBe(2);
  });

  it('of() keeps a keyring as is, so a fleet shares one', () => {
    const keyring = new SigningKeyring([]);
    expect(SigningKeyring.of(keyring)).toBe(keyring);
    expect(SigningKeyring.of([listed(first)])).toBeInstanceOf(SigningKeyring);
  });
});
