/**
 * What a device installs: only an assignment signed by the tenant key it names, over exactly its
 * metadata, for the device's platform. Real Ed25519 keys; nothing of node:crypto is mocked.
 */
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkAssignment, REFUSAL, refusalMessage } from '../../src/device-agent/assignment-check.js';
import { signedAssignment, signingKey } from './signed-assignment.js';

const key = signingKey('k-2026');
const otherKey = signingKey('k-other');
const publicKey = createPublicKey(key.publicKeyPem);

describe('checkAssignment', () => {
  it('accepts an assignment signed by its key for a platform it names', () => {
    expect(checkAssignment(signedAssignment(key), 'linux', publicKey)).toEqual({ ok: true });
  });

  it.each([
    { change: 'a tampered digest', overrides: { digest: `sha256:${'cd'.repeat(32)}` } },
    { change: 'a tampered version', overrides: { version: '2.4.2' } },
    { change: 'a tampered artifact name', overrides: { artifact: 'agent-evil' } },
    { change: 'a tampered size', overrides: { size: 1_048_577n } },
    { change: 'a tampered url', overrides: { url: 'https://evil.example.com/agent.tar.gz' } },
    { change: 'an added platform', overrides: { platforms: ['linux', 'linux-arm64', 'windows'] } },
    { change: 'a dropped url', overrides: { url: '' } },
    {
      change: 'a signature cut short',
      overrides: { signature: signedAssignment(key).signature.slice(0, 40) },
    },
    { change: 'a signature that is not base64', overrides: { signature: 'not base64!' } },
    { change: 'no signature', overrides: { signature: '' } },
    { change: 'a size past 2^53', overrides: { size: 2n ** 60n } },
  ])('refuses $change as SignatureInvalid', ({ overrides }) => {
    const verdict = checkAssignment(signedAssignment(key, overrides), 'linux', publicKey);
    expect(verdict).toMatchObject({ ok: false, reason: REFUSAL.SignatureInvalid });
  });

  it('refuses a signature by another key under this key id as SignatureInvalid', () => {
    const forged = { ...signedAssignment(otherKey), keyId: key.keyId };
    expect(checkAssignment(forged, 'linux', publicKey)).toMatchObject({
      ok: false,
      reason: REFUSAL.SignatureInvalid,
    });
  });

  it('refuses a key id the tenant has no key for as UnknownSigningKey', () => {
    const verdict = checkAssignment(signedAssignment(otherKey), 'linux', undefined);
    expect(verdict).toMatchObject({ ok: false, reason: REFUSAL.UnknownSigningKey });
    expect(refusalMessage(verdict)).toBe(
      'UnknownSigningKey: agent@2.4.1 is signed by key "k-other", which is not among the tenant\'s signing keys',
    );
  });

  it('refuses a validly signed artifact for other platforms as PlatformMismatch', () => {
    const verdict = checkAssignment(signedAssignment(key), 'windows', publicKey);
    expect(refusalMessage(verdict)).toBe(
      'PlatformMismatch: agent@2.4.1 is for linux, linux-arm64, not windows',
    );
  });

  it('checks the signature before the platforms (unsigned platforms prove nothing)', () => {
    const verdict = checkAssignment(signedAssignment(key, { platforms: ['windows'] }), 'linux', publicKey);
    expect(verdict).toMatchObject({ ok: false, reason: REFUSAL.SignatureInvalid });
  });

  it('says nothing for an accepted assignment', () => {
    expect(refusalMessage({ ok: true })).toBe('');
  });
});
