/**
 * Signed journal heads (issue #12): each tenant's journal has an Ed25519 key, generated on first
 * need, its private half sealed under the master key with the tenant as owner (MasterKey.encrypt),
 * so that write access to the database alone can neither sign a head nor move another tenant's key
 * here. Heads are signed lazily, when one is asked for (GET /journal/head, an export, verify, the
 * hourly retention run), never on the append path: an apply pays nothing for them. A signed head
 * need not be the newest; it is one the server vouched for. The last one signed is kept with the
 * key, so online verify can tell a head row rolled back below it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { canonicalJson } from '../contract/canonical.js';
import {
  type HeadCrypto,
  headConsistencyProblem,
  publicKeyId,
  type SignedHead,
  signedHeadPayload,
  signedHeadProblem,
} from '../contract/journal-head.js';
import { ServerFaultError } from '../errors.js';
import type { MasterKey } from '../pki/master-key.js';
import type { Database } from '../store/database.js';
import { sha256Hex } from './chain.js';
import type { JournalSigningKeyRow } from './journal-entity.js';
import type { ChainAnchor } from './journal-rows.js';

/** Ed25519 verification for the shared checks (journal-head.ts); false on any malformed input. */
export function verifyEd25519(publicKeyPem: string, payload: string, signature: string): boolean {
  try {
    return verify(
      null,
      Buffer.from(payload),
      createPublicKey(publicKeyPem),
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

/** The server's binding of the signed-head checks to node:crypto. */
export const HEAD_CRYPTO: HeadCrypto = { sha256Hex, canonicalJson, verifyEd25519 };

const TABLE = 'journal_signing_keys';
const owner = (tenant: string) => `journal-signing-key/${tenant}`;

/** Why the signing key of a tenant cannot be trusted (ServerFaultError's reason). */
export const JournalKeyAltered = 'JournalSigningKeyAltered';

interface OpenedKey {
  row: JournalSigningKeyRow;
  privateKey: ReturnType<typeof createPrivateKey>;
}

export class JournalSigner {
  #masterKey: MasterKey | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The master key arrives after the journal is built (the PKI opens it): see compose.ts. */
  useMasterKey(masterKey: MasterKey): void {
    this.#masterKey = masterKey;
  }

  /**
   * Signs `head` of `tenant` and keeps it as the last signed head unless a later one is kept.
   * @throws ServerFaultError JournalSigningKeyAltered when the stored key does not open or its
   *   public half is not the sealed key's.
   */
  async sign(tenant: string, head: ChainAnchor): Promise<SignedHead> {
    const { row, privateKey } = await this.key(tenant);
    const time = this.clock().toISOString();
    const payload = signedHeadPayload({ tenant, seq: head.seq, hash: head.hash, time }, canonicalJson);
    const signature = sign(null, Buffer.from(payload), privateKey).toString('base64url');
    await this.db
      .knex(TABLE)
      .where({ tenant })
      .andWhere((query) => query.whereNull('head_seq').orWhere('head_seq', '<=', head.seq))
      .update({ head_seq: head.seq, head_hash: head.hash, head_time: time, head_signature: signature });
    return {
      kind: 'JournalSignedHead',
      tenant,
      seq: head.seq,
      hash: head.hash,
      time,
      keyId: row.key_id,
      signature,
      publicKey: row.public_key,
    };
  }

  /**
   * Online verify's check of the key and of the last signed head against the chain as stored
   * (`hashAt`: an entry's hash, undefined when pruned or missing). Undefined when they hold, or
   * when nothing was signed yet; else what is wrong.
   */
  async check(
    tenant: string,
    head: ChainAnchor,
    hashAt: (seq: number) => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const row = await this.db.knex<JournalSigningKeyRow>(TABLE).where({ tenant }).first();
    if (!row) return undefined;
    try {
      await this.open(row);
    } catch (error) {
      if (error instanceof ServerFaultError) return error.message;
      throw error;
    }
    if (
      row.head_seq === null ||
      row.head_hash === null ||
      row.head_time === null ||
      row.head_signature === null
    )
      return undefined;
    const signed: SignedHead = {
      kind: 'JournalSignedHead',
      tenant,
      seq: Number(row.head_seq),
      hash: row.head_hash,
      time: row.head_time,
      keyId: row.key_id,
      signature: row.head_signature,
      publicKey: row.public_key,
    };
    const bad = signedHeadProblem(signed, { tenant }, HEAD_CRYPTO);
    if (bad) return `the last head signed by the server: ${bad}`;
    const known = { seq: signed.seq, hash: signed.hash, time: signed.time, keyId: signed.keyId };
    const current = { ...head, keyId: row.key_id };
    return headConsistencyProblem(
      known,
      current,
      head.seq > known.seq ? await hashAt(known.seq) : head.hash,
      'the head row',
    );
  }

  /** The tenant's key, created on first need (several processes may race: the first insert wins). */
  private async key(tenant: string): Promise<OpenedKey> {
    let row = await this.db.knex<JournalSigningKeyRow>(TABLE).where({ tenant }).first();
    if (!row) {
      const masterKey = this.masterKey();
      const pair = generateKeyPairSync('ed25519');
      const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
      await this.db
        .knex(TABLE)
        .insert({
          tenant,
          key_id: publicKeyId(publicKey, sha256Hex),
          public_key: publicKey,
          sealed_private_key: masterKey.encrypt(pkcs8, owner(tenant)),
          created_at: this.clock().toISOString(),
          head_seq: null,
          head_hash: null,
          head_time: null,
          head_signature: null,
        })
        .onConflict('tenant')
        .ignore();
      row = (await this.db
        .knex<JournalSigningKeyRow>(TABLE)
        .where({ tenant })
        .first()) as JournalSigningKeyRow;
    }
    return this.open(row);
  }

  /** Opens a stored key and checks its public half and id against the sealed private key. */
  private async open(row: JournalSigningKeyRow): Promise<OpenedKey> {
    const masterKey = this.masterKey();
    let privateKey: ReturnType<typeof createPrivateKey>;
    try {
      privateKey = createPrivateKey({
        key: masterKey.decrypt(row.sealed_private_key, owner(row.tenant)),
        format: 'der',
        type: 'pkcs8',
      });
    } catch (error) {
      throw new ServerFaultError(
        JournalKeyAltered,
        `the journal signing key of tenant "${row.tenant}" does not open under the master key: it was replaced or altered in the database`,
        { cause: error },
      );
    }
    const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    if (publicKey !== row.public_key || publicKeyId(publicKey, sha256Hex) !== row.key_id)
      throw new ServerFaultError(
        JournalKeyAltered,
        `the public key stored for the journal signing key of tenant "${row.tenant}" is not the sealed key's: it was replaced in the database`,
      );
    return { row, privateKey };
  }

  private masterKey(): MasterKey {
    if (!this.#masterKey)
      throw new ServerFaultError(JournalKeyAltered, 'the journal cannot sign heads: no master key was given');
    return this.#masterKey;
  }
}
