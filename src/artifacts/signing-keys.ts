/**
 * Update-signing keys (issue #15): each tenant signs its Artifacts with an Ed25519 key, created on
 * first need, whose private half is sealed under the master key bound to the tenant and the key
 * id (MasterKey.encrypt), as the journal's signing key is (journal-signing.ts). One key per tenant
 * is current; a rotation retires it (it signs nothing more, but stays listed so that what it
 * signed still verifies) and makes a new one. Private material never leaves this file: not in a
 * log, an answer or the journal.
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import type { Knex } from 'knex';
import { ACTIONS } from '../auth/permissions.js';
import type { OperationContext } from '../context.js';
import {
  ARTIFACT_SIGNATURE_ALGORITHM,
  signingKeyId as keyIdOfDigest,
  type SigningKeyView,
} from '../contract/artifact-signature.js';
import { ServerFaultError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { MasterKey } from '../pki/master-key.js';
import type { Database, Executor } from '../store/database.js';
import type { SigningKeyRow } from './artifact-tables.js';

const TABLE = 'signing_keys';

/** Why a tenant's update-signing key cannot be used (ServerFaultError's reason). */
export const SigningKeyUnusable = 'SigningKeyUnusable';

/** The associated data of a sealed private key: a key copied to another tenant or id does not open. */
const owner = (tenant: string, keyId: string) => `update-signing-key/${tenant}/${keyId}`;

/** The key's id (src/contract/artifact-signature.ts) from its public half. Pure. */
export function signingKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return keyIdOfDigest(createHash('sha256').update(der).digest('hex'));
}

export type { SigningKeyView };

export function signingKeyView(row: SigningKeyRow): SigningKeyView {
  return {
    keyId: row.key_id,
    algorithm: row.algorithm,
    publicKeyPem: row.public_key,
    createdAt: row.created_at,
    retiredAt: row.retired_at ?? null,
    current: row.current !== null && Number(row.current) === 1,
  };
}

/** A signature made by `SigningKeys.sign`. */
export interface MadeSignature {
  keyId: string;
  algorithm: string;
  /** base64 of the 64-byte Ed25519 signature. */
  signature: string;
}

export class SigningKeys {
  #masterKey: MasterKey | undefined;

  constructor(
    private readonly db: Database,
    private readonly journal: JournalWriter,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The master key arrives after the apply path is built (the PKI opens it): see compose.ts. */
  useMasterKey(masterKey: MasterKey): void {
    this.#masterKey = masterKey;
  }

  /**
   * Signs `payload` (UTF-8) with the tenant's current key, creating the key on first need, inside
   * the caller's transaction (every statement on `trx`).
   * @throws ServerFaultError SigningKeyUnusable when there is no master key or the stored key does
   *   not open under it: the caller's transaction must roll back.
   */
  async sign(trx: Knex.Transaction, tenant: string, payload: string): Promise<MadeSignature> {
    const row = await this.current(trx, tenant);
    const privateKey = this.open(row);
    return {
      keyId: row.key_id,
      algorithm: row.algorithm,
      signature: sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64'),
    };
  }

  /** The public key (PEM) of a key of the tenant, retired or current; undefined when unknown. */
  async publicKey(executor: Executor, tenant: string, keyId: string): Promise<string | undefined> {
    const row = (await executor<SigningKeyRow>(TABLE).where({ tenant, key_id: keyId }).first()) as
      | SigningKeyRow
      | undefined;
    return row?.public_key;
  }

  /** Every key of the caller's tenant, oldest first, with its validity. Needs `artifacts:read`. */
  async list(context: OperationContext): Promise<SigningKeyView[]> {
    context.authorize('artifacts:read');
    const rows = (await this.db
      .knex<SigningKeyRow>(TABLE)
      .where({ tenant: context.tenant })
      .orderBy('created_at')
      .orderBy('key_id')) as SigningKeyRow[];
    return rows.map(signingKeyView);
  }

  /**
   * Retires the tenant's current key (if any) and makes a new one, journaled (`rotate`,
   * SigningKey). Artifacts signed before keep their signatures, verifiable with the retired key;
   * every artifact published after is signed by the new one. Two rotations racing make one key:
   * the one that lost answers the winner's key and journals nothing.
   */
  async rotate(context: OperationContext): Promise<SigningKeyView> {
    context.authorize(ACTIONS.signingKeysRotate);
    this.masterKey();
    return this.db.transaction(async (trx) => {
      const now = this.clock().toISOString();
      const previous = await this.currentRow(trx, context.tenant);
      if (previous)
        await trx(TABLE)
          .where({ tenant: context.tenant, key_id: previous.key_id, current: 1 })
          .update({ retired_at: now, current: null });
      const created = await this.insertKey(trx, context.tenant, now);
      const row = (await this.currentRow(trx, context.tenant)) as SigningKeyRow;
      if (created === row.key_id)
        await this.journal.append(trx, context, [
          {
            operation: 'rotate',
            kind: 'SigningKey',
            name: row.key_id,
            result: 'rotated',
            reason: previous
              ? `update-signing key ${previous.key_id} retired; ${row.key_id} signs from now on`
              : `update-signing key ${row.key_id} created`,
            changes: [
              { pointer: '/current', old: previous?.key_id ?? null, new: row.key_id },
              ...(previous ? [{ pointer: '/retiredAt', new: now }] : []),
            ],
          },
        ]);
      return signingKeyView(row);
    });
  }

  /**
   * The tenant's current key, created on first need. Several processes may race: the unique
   * index (tenant, current) lets one insert win; the others' inserts are ignored and they read
   * the winner's key.
   */
  private async current(trx: Knex.Transaction, tenant: string): Promise<SigningKeyRow> {
    const found = await this.currentRow(trx, tenant);
    if (found) return found;
    await this.insertKey(trx, tenant, this.clock().toISOString());
    const row = await this.currentRow(trx, tenant);
    if (!row)
      throw new ServerFaultError(
        SigningKeyUnusable,
        `no update-signing key could be made for tenant "${tenant}"`,
      );
    return row;
  }

  private async currentRow(executor: Executor, tenant: string): Promise<SigningKeyRow | undefined> {
    return (await executor<SigningKeyRow>(TABLE).where({ tenant, current: 1 }).first()) as
      | SigningKeyRow
      | undefined;
  }

  /** Inserts a new current key unless the tenant has one; answers the id of the key it tried. */
  private async insertKey(trx: Knex.Transaction, tenant: string, now: string): Promise<string> {
    const masterKey = this.masterKey();
    const pair = generateKeyPairSync('ed25519');
    const keyId = signingKeyId(pair.publicKey);
    const row: SigningKeyRow = {
      tenant,
      key_id: keyId,
      algorithm: ARTIFACT_SIGNATURE_ALGORITHM,
      public_key: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      sealed_private_key: masterKey.encrypt(
        pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
        owner(tenant, keyId),
      ),
      created_at: now,
      retired_at: null,
      current: 1,
    };
    await trx(TABLE).insert(row).onConflict(['tenant', 'current']).ignore();
    return keyId;
  }

  /** Opens a stored key, checking its public half and id against the sealed private key. */
  private open(row: SigningKeyRow): KeyObject {
    const masterKey = this.masterKey();
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({
        key: masterKey.decrypt(row.sealed_private_key, owner(row.tenant, row.key_id)),
        format: 'der',
        type: 'pkcs8',
      });
    } catch (error) {
      throw new ServerFaultError(
        SigningKeyUnusable,
        `the update-signing key ${row.key_id} of tenant "${row.tenant}" does not open under the master key: it was replaced or altered in the database`,
        { cause: error },
      );
    }
    const publicKey = createPublicKey(privateKey);
    if (
      publicKey.export({ type: 'spki', format: 'pem' }).toString() !== row.public_key ||
      signingKeyId(publicKey) !== row.key_id
    )
      throw new ServerFaultError(
        SigningKeyUnusable,
        `the public key stored for update-signing key ${row.key_id} of tenant "${row.tenant}" is not the sealed key's: it was replaced in the database`,
      );
    return privateKey;
  }

  private masterKey(): MasterKey {
    if (!this.#masterKey)
      throw new ServerFaultError(SigningKeyUnusable, 'artifacts cannot be signed: no master key was given');
    return this.#masterKey;
  }
}
