import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, TerminalError } from '../../src/errors.js';
import { loadMasterKey, MASTER_KEY_ENV, MasterKey, parseMasterKey } from '../../src/pki/master-key.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = join(await mkdtemp(join(tmpdir(), 'steward-master-key-')), 'data');
});
afterEach(() => rm(join(dataDir, '..'), { recursive: true, force: true }));

const someKey = () => new MasterKey(randomBytes(32), 'test key');

describe('sealing secrets', () => {
  it('a sealed secret opens with the same key and owner', () => {
    const key = someKey();
    const sealed = key.encrypt('-----BEGIN PRIVATE KEY-----', 'acme/root-ca');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(key.decrypt(sealed, 'acme/root-ca').toString()).toBe('-----BEGIN PRIVATE KEY-----');
    expect(key.encrypt('same', 'x')).not.toBe(key.encrypt('same', 'x'));
  });

  it('a secret sealed under another master key fails with "master key does not match", never garbage', () => {
    const sealed = someKey().encrypt('secret', 'acme/root-ca');
    expect(() => someKey().decrypt(sealed, 'acme/root-ca')).toThrow(ConfigError);
    expect(() => someKey().decrypt(sealed, 'acme/root-ca')).toThrow(/master key does not match/);
  });

  it('a tampered ciphertext is refused', () => {
    const key = someKey();
    const parts = key.encrypt('secret value', 'acme/root-ca').split(':');
    const ciphertext = Buffer.from(parts[4], 'base64url');
    ciphertext[0] ^= 0x01;
    parts[4] = ciphertext.toString('base64url');
    expect(() => key.decrypt(parts.join(':'), 'acme/root-ca')).toThrow(TerminalError);
    expect(() => key.decrypt(parts.join(':'), 'acme/root-ca')).toThrow(/failed authentication/);
  });

  it('a secret moved to another owner (associated data mismatch) is refused', () => {
    const key = someKey();
    const sealed = key.encrypt('secret', 'acme/root-ca');
    expect(() => key.decrypt(sealed, 'acme/devices-ca')).toThrow(
      expect.objectContaining({ reason: 'SecretDecryptionFailed' }),
    );
    expect(() => key.decrypt(sealed, 'other-tenant/root-ca')).toThrow(/belongs to another owner/);
  });

  it('a value that is not a sealed secret is refused', () => {
    expect(() => someKey().decrypt('plaintext', 'acme/root-ca')).toThrow(/not a sealed value/);
  });

  it('the key check tells the right key from a wrong one', () => {
    const key = someKey();
    const stored = key.keyCheck();
    expect(key.verifyKeyCheck(stored)).toBe(true);
    expect(someKey().verifyKeyCheck(stored)).toBe(false);
    expect(key.verifyKeyCheck('kc1:short')).toBe(false);
    expect(() => someKey().assertKeyCheck(stored)).toThrow(/master key does not match/);
    expect(() => key.assertKeyCheck(stored)).not.toThrow();
  });
});

describe('loading the master key', () => {
  it('with no variable, a key file is created with mode 0600 and reused on the next start', async () => {
    const first = await loadMasterKey({ dataDir, env: {} });
    expect(first.origin).toBe('generated');
    expect((await stat(first.path!)).mode & 0o777).toBe(0o600);
    const second = await loadMasterKey({ dataDir, env: {} });
    expect(second.origin).toBe('file');
    expect(second.masterKey.keyCheck()).toBe(first.masterKey.keyCheck());
    expect(second.masterKey.decrypt(first.masterKey.encrypt('ca key', 't/ca'), 't/ca').toString()).toBe(
      'ca key',
    );
  });

  it('processes starting at once on one data directory end up with the same key', async () => {
    const loaded = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir, env: {} })));
    expect(new Set(loaded.map((result) => result.masterKey.keyId)).size).toBe(1);
    expect(loaded.filter((result) => result.origin === 'generated')).toHaveLength(1);
  });

  it.each([
    { name: 'base64', encode: (bytes: Buffer) => bytes.toString('base64') },
    { name: 'base64url', encode: (bytes: Buffer) => bytes.toString('base64url') },
    { name: 'hex', encode: (bytes: Buffer) => bytes.toString('hex') },
    {
      name: 'upper-case hex with a trailing newline',
      encode: (bytes: Buffer) => `${bytes.toString('hex').toUpperCase()}\n`,
    },
  ])('STEWARD_MASTER_KEY in $name is used and no key file is written', async ({ encode }) => {
    const bytes = randomBytes(32);
    const { masterKey, origin } = await loadMasterKey({ dataDir, env: { [MASTER_KEY_ENV]: encode(bytes) } });
    expect(origin).toBe('env');
    expect(masterKey.keyCheck()).toBe(new MasterKey(bytes, 'x').keyCheck());
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    { name: 'a 16-byte base64 key', value: randomBytes(16).toString('base64') },
    { name: 'a 31-byte hex key', value: randomBytes(31).toString('hex') },
    { name: 'text that is neither base64 nor hex', value: 'not a key!' },
  ])('STEWARD_MASTER_KEY holding $name is a ConfigError naming the variable', async ({ value }) => {
    const load = loadMasterKey({ dataDir, env: { [MASTER_KEY_ENV]: value } });
    await expect(load).rejects.toThrow(ConfigError);
    await expect(loadMasterKey({ dataDir, env: { [MASTER_KEY_ENV]: value } })).rejects.toThrow(
      /STEWARD_MASTER_KEY/,
    );
  });

  it('a corrupt key file is a ConfigError naming the file', async () => {
    await loadMasterKey({ dataDir, env: {} });
    await writeFile(join(dataDir, 'master.key'), 'truncated');
    await expect(loadMasterKey({ dataDir, env: {} })).rejects.toThrow(/master\.key must hold a 32-byte key/);
    expect(await readFile(join(dataDir, 'master.key'), 'utf8')).toBe('truncated');
  });

  it('parseMasterKey names its source in the error', () => {
    expect(() => parseMasterKey('abc', '/etc/steward/key')).toThrow(/\/etc\/steward\/key must hold/);
  });
});
