/**
 * The master key: 32 bytes that encrypt CA private keys (and any other secret) at rest with
 * AES-256-GCM. Loaded from STEWARD_MASTER_KEY or from `<dataDir>/master.key`, which is generated
 * on first start. Losing the key loses every CA key encrypted under it: back the file up.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ServerFaultError } from '../errors.js';

export const MASTER_KEY_ENV = 'STEWARD_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM nonce size that needs no extra hashing (NIST SP 800-38D)
const SEALED_VERSION = 'v1';
const KEY_CHECK_VERSION = 'kc1';

/** Reason of the TerminalError thrown when a sealed value is malformed, altered or not bound to the given owner. */
export const SecretDecryptionFailed = 'SecretDecryptionFailed';

/** Encrypts and decrypts secrets at rest. Holds the key; never logs or serialises it. */
export class MasterKey {
  readonly #key: Buffer;
  /** Public identifier of the key (8 base64url chars of an HMAC), written into each sealed value. */
  readonly keyId: string;

  /**
   * @param key exactly 32 bytes.
   * @param source where the key came from, named in errors (`STEWARD_MASTER_KEY`, a file path).
   * @throws ConfigError when the key is not 32 bytes.
   */
  constructor(
    key: Uint8Array,
    readonly source: string,
  ) {
    if (key.length !== KEY_BYTES)
      throw new ConfigError(`${source}: the master key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.keyId = this.#derive('steward master key id').subarray(0, 6).toString('base64url');
  }

  /**
   * Seals `plaintext`: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url fields). `associatedData`
   * names the owner (e.g. `acme/root-ca`); the same value is needed to decrypt, so a ciphertext
   * copied to another owner's record does not decrypt there. Not pure (random IV).
   */
  encrypt(plaintext: Uint8Array | string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const fields = [SEALED_VERSION, this.keyId, iv, cipher.getAuthTag(), ciphertext];
    return fields.map((field) => (typeof field === 'string' ? field : field.toString('base64url'))).join(':');
  }

  /**
   * Opens a value sealed by `encrypt`. Pure.
   * @throws ConfigError "master key does not match ..." when it was sealed under another master key;
   *   ServerFaultError (a TerminalError) SecretDecryptionFailed when it is malformed, was altered, or belongs to another owner.
   */
  decrypt(sealed: string, associatedData: string): Buffer {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== SEALED_VERSION) {
      throw new ServerFaultError(
        SecretDecryptionFailed,
        `not a sealed value of format ${SEALED_VERSION} (for ${associatedData})`,
      );
    }
    const [, keyId, iv, tag, ciphertext] = parts;
    if (keyId !== this.keyId) {
      throw new ConfigError(
        `master key does not match the key this secret of ${associatedData} was encrypted with ` +
          `(secret key id ${keyId}, ${this.source} has key id ${this.keyId})`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    } catch (error) {
      throw new ServerFaultError(
        SecretDecryptionFailed,
        `the secret of ${associatedData} failed authentication: it was altered or belongs to another owner`,
        { cause: error },
      );
    }
  }

  /**
   * A value to store next to encrypted data (`kc1:<base64url>`), proving which master key sealed
   * it without revealing the key (an HMAC of a fixed label). Pure.
   */
  keyCheck(): string {
    return `${KEY_CHECK_VERSION}:${this.#derive('steward master key check').toString('base64url')}`;
  }

  /** True when `stored` (from keyCheck) was made with this master key. Pure, constant-time. */
  verifyKeyCheck(stored: string): boolean {
    const expected = Buffer.from(this.keyCheck());
    const actual = Buffer.from(stored);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /**
   * For server start: refuses to run with a master key other than the one the data was sealed with.
   * @throws ConfigError naming the key's source.
   */
  assertKeyCheck(stored: string): void {
    if (!this.verifyKeyCheck(stored)) {
      throw new ConfigError(
        `master key does not match the key the stored data was encrypted with: ${this.source} holds another key ` +
          '(restore the original key file or STEWARD_MASTER_KEY)',
      );
    }
  }

  /**
   * A 32-byte key for one other use, named by `label` (an HMAC of it under the master key): the
   * same in every process of an install, and revealing it reveals nothing of the master key. Pure.
   */
  subkey(label: string): Buffer {
    if (label.startsWith('steward master key')) throw new Error(`subkey label "${label}" is reserved`);
    return this.#derive(label);
  }

  #derive(label: string): Buffer {
    return createHmac('sha256', this.#key).update(label).digest();
  }
}

/**
 * 32 key bytes from text: 64 hex digits, or base64/base64url of 32 bytes. Pure.
 * @throws ConfigError naming `source` when the text is neither or has the wrong length.
 */
export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new ConfigError(
      `${source} must hold a ${KEY_BYTES}-byte key as base64 (44 characters) or hex (64 characters); ` +
        `got ${bytes ? `${bytes.length} bytes` : 'neither'} (generate one with: openssl rand -base64 32)`,
      { details: { source } },
    );
  }
  return new MasterKey(bytes, source);
}

export interface LoadedMasterKey {
  masterKey: MasterKey;
  /** `env` = STEWARD_MASTER_KEY, `file` = an existing key file, `generated` = created now. */
  origin: 'env' | 'file' | 'generated';
  /** The key file, when the key came from one. */
  path?: string;
}

/**
 * Loads the master key: STEWARD_MASTER_KEY when set (and not empty), else `<dataDir>/master.key`,
 * generated with mode 0600 when missing. Safe when several processes start at once on one data
 * directory: exactly one key file wins and all of them use it.
 * @throws ConfigError naming the variable or file when its content is not a 32-byte key.
 */
export async function loadMasterKey(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<LoadedMasterKey> {
  const fromEnv = (options.env ?? process.env)[MASTER_KEY_ENV];
  if (fromEnv) return { masterKey: parseMasterKey(fromEnv, MASTER_KEY_ENV), origin: 'env' };
  const path = join(options.dataDir, MASTER_KEY_FILE);
  try {
    return { masterKey: parseMasterKey(await readFile(path, 'utf8'), path), origin: 'file', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const created = await createKeyFile(path);
  return {
    masterKey: parseMasterKey(await readFile(path, 'utf8'), path),
    origin: created ? 'generated' : 'file',
    path,
  };
}

/**
 * Writes a new key to a private temporary file, then link()s it into place: link fails if the
 * name exists, so a concurrent starter can never see a half-written key file nor overwrite one.
 * Returns false when another process created the file first.
 */
async function createKeyFile(path: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
}
