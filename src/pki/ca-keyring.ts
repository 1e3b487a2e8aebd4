/**
 * CA keys opened for signing. A CA's private key is decrypted (master key) and checked against its
 * certificate once per certificate, then kept in memory with its LeafIssuer templates: issuance
 * must not pay an AES-GCM open and a key import per call. The cache is keyed by the current
 * certificate's fingerprint, read from the database on every use, so a renewal by any process is
 * picked up at the next call.
 */
import type { Executor } from '../store/database.js';
import { type CaCredentials, loadCaCredentials } from './ca-credentials.js';
import type { CaCertificate, CaRepository, CurrentMaterial } from './ca-repository.js';
import { LeafIssuer } from './issuer.js';
import { importPrivateKey } from './key-algorithms.js';
import type { MasterKey } from './master-key.js';
import { type ConstraintsOf, nameConstraintsOf } from './name-constraints.js';
import { derFromPemOrDer } from './pem.js';

/** A CA ready to sign: its current certificate, credentials and leaf issuer. */
export interface SigningCa {
  tenant: string;
  name: string;
  material: CurrentMaterial;
  credentials: CaCredentials;
  issuer: LeafIssuer;
  /**
   * The name constraints of the CA's certificate and of each CA certificate above it, as relying
   * parties will enforce them on what it signs (read once, from the certificates themselves).
   */
  constraints: ConstraintsOf[];
}

/** Deepest chain followed for constraints; deeper means a reference cycle in stored data. */
const MAX_CHAIN_DEPTH = 16;

/** Most CAs kept open at once; the least recently used is dropped beyond it. */
const MAX_OPEN = 256;

/** The associated data a CA key is sealed with: a sealed key copied to another CA does not open. */
export function keyOwner(tenant: string, name: string, keyId: string): string {
  return `${tenant}/${name}/${keyId}`;
}

/**
 * `${publicUrl}/pki/${tenant}/${name}/crl/${keyId}`: the CRL of the CA key that signs a
 * certificate, written into its distribution point. Per key, because after a rotation the
 * earlier key's leaves must still find a CRL signed by the key that signed them.
 */
export function crlUrlOf(publicUrl: string, tenant: string, name: string, keyId: string): string {
  return `${publicUrl}/pki/${encodeURIComponent(tenant)}/${encodeURIComponent(name)}/crl/${encodeURIComponent(keyId)}`;
}

/** A key of a CA opened to sign its CRL, with the certificate it signs under. */
export interface CrlSigner {
  keyId: string;
  credentials: CaCredentials;
  /** Fingerprint of the CA certificate the credentials hold. */
  fingerprint: string;
}

export class CaKeyring {
  private readonly open = new Map<string, SigningCa>();

  constructor(
    private readonly masterKey: MasterKey,
    private readonly repository: CaRepository,
    private readonly publicUrl: string,
  ) {}

  /**
   * The CA's current signing material, or undefined when it has no certificate yet.
   * @throws ConfigError / TerminalError SecretDecryptionFailed when its key cannot be opened.
   */
  async current(tenant: string, name: string, executor?: Executor): Promise<SigningCa | undefined> {
    const material = await this.repository.current(tenant, name, executor);
    if (!material) return undefined;
    const cacheKey = `${tenant}/${name}`;
    const cached = this.open.get(cacheKey);
    if (cached && cached.material.certificate.fingerprint === material.certificate.fingerprint) {
      // Re-inserted: Map iteration order is the LRU order.
      this.open.delete(cacheKey);
      this.open.set(cacheKey, cached);
      return cached;
    }
    const privateKey = this.openKey(tenant, name, material.keyId, material.sealedKey);
    const credentials = loadCaCredentials(material.certificate.pem, privateKey);
    const signing: SigningCa = {
      tenant,
      name,
      material,
      credentials,
      issuer: new LeafIssuer(credentials, { crlUrl: this.crlUrl(tenant, name, material.keyId) }),
      constraints: await this.constraintsAbove(tenant, name, material.certificate, executor),
    };
    this.open.delete(cacheKey);
    this.open.set(cacheKey, signing);
    if (this.open.size > MAX_OPEN) this.open.delete(this.open.keys().next().value as string);
    return signing;
  }

  /**
   * Any key of the CA (earlier ones included) opened to sign that key's CRL, or undefined when
   * the CA has no such key. CRLs are rare (revocations, weekly refreshes): not cached.
   */
  async crlSigner(
    tenant: string,
    name: string,
    keyId: string,
    executor?: Executor,
  ): Promise<CrlSigner | undefined> {
    const material = await this.repository.keyMaterial(tenant, name, keyId, executor);
    if (!material) return undefined;
    const privateKey = this.openKey(tenant, name, keyId, material.sealedKey);
    return {
      keyId,
      credentials: loadCaCredentials(material.certificate.pem, privateKey),
      fingerprint: material.certificate.fingerprint,
    };
  }

  /** The name constraints of `certificate` (of CA `name`) and of the chain above it. */
  private async constraintsAbove(
    tenant: string,
    name: string,
    certificate: CaCertificate,
    executor?: Executor,
  ): Promise<ConstraintsOf[]> {
    const found: ConstraintsOf[] = [];
    let ca = name;
    let current: CaCertificate | undefined = certificate;
    for (let depth = 0; current && depth < MAX_CHAIN_DEPTH; depth++) {
      const constraints = nameConstraintsOf(derFromPemOrDer(current.pem, ['CERTIFICATE']));
      if (constraints) found.push({ ca, constraints });
      if (!current.parentName || !current.authorityKeyId) break;
      ca = current.parentName;
      current = await this.repository.certificateForKey(
        tenant,
        current.parentName,
        current.authorityKeyId,
        executor,
      );
    }
    return found;
  }

  /** Decrypts a sealed CA key. */
  openKey(tenant: string, name: string, keyId: string, sealedKey: string) {
    return importPrivateKey(this.masterKey.decrypt(sealedKey, keyOwner(tenant, name, keyId)));
  }

  /** Seals a CA key (PKCS#8 DER) for storage. */
  sealKey(tenant: string, name: string, keyId: string, pkcs8: Uint8Array): string {
    return this.masterKey.encrypt(pkcs8, keyOwner(tenant, name, keyId));
  }

  crlUrl(tenant: string, name: string, keyId: string): string {
    return crlUrlOf(this.publicUrl, tenant, name, keyId);
  }

  /** Drops a CA from memory (after its material was purged). */
  forget(tenant: string, name: string): void {
    this.open.delete(`${tenant}/${name}`);
  }
}
