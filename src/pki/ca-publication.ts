/**
 * What a CA publishes: its chain (PEM, current certificate first, up to the root), its trust
 * bundle (every still-valid certificate of it and of the CAs above it: renewed and rotated ones
 * stay usable until they expire), its CRLs (DER, one per key), and the paged list of what it
 * issued. Reads only; tenant-scoped by the caller.
 */
import { BadRequestError, NotFoundError } from '../errors.js';
import type { StoredResource } from '../resources/model.js';
import type { ResourceStore } from '../store/resource-store.js';
import { SingleFlight } from '../store/single-flight.js';
import type { CaCertificate, CaRepository } from './ca-repository.js';
import type { IssuedRepository } from './issued-repository.js';
import { CA_KIND } from './pki-journal.js';
import type { IssuedRow } from './pki-tables.js';

/** Deepest chain followed; deeper means a reference cycle in stored data, not a real hierarchy. */
const MAX_CHAIN_DEPTH = 16;
export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 5000;

export interface IssuedCertificateItem {
  serial: string;
  subject: string;
  profile: string;
  notBefore: string;
  notAfter: string;
  fingerprint: string;
  issuedAt: string;
  /** `revoked` wins over `expired`. */
  state: 'valid' | 'revoked' | 'expired';
  owner?: { kind: string; name: string };
  revocation?: { revokedAt: string; reason: string };
}

export interface PublicationDeps {
  store: ResourceStore;
  repository: CaRepository;
  issued: IssuedRepository;
  now: () => Date;
}

export class CaPublication {
  /** Every issuance answers with the chain: concurrent ones share its reads. */
  private readonly chains = new SingleFlight<string>();

  constructor(private readonly deps: PublicationDeps) {}

  /** PEM chain: the CA's current certificate, then each issuer's certificate up to the root. */
  chain(tenant: string, name: string): Promise<string> {
    return this.chains.run(`${tenant}/${name}`, () => this.readChain(tenant, name));
  }

  private async readChain(tenant: string, name: string): Promise<string> {
    const ca = await this.resource(tenant, name);
    const current = await this.deps.repository.current(tenant, name);
    if (!current) throw noCertificate(ca);
    const chain: CaCertificate[] = [current.certificate];
    let child = current.certificate;
    while (child.parentName && child.authorityKeyId && chain.length < MAX_CHAIN_DEPTH) {
      const issuer = await this.deps.repository.certificateForKey(
        tenant,
        child.parentName,
        child.authorityKeyId,
      );
      if (!issuer) break;
      chain.push(issuer);
      child = issuer;
    }
    return chain.map((certificate) => certificate.pem).join('');
  }

  /**
   * PEM of every certificate still valid of the CA, then of each CA above it, newest first per CA:
   * enough for a relying party to verify a leaf signed under any key the CA had, before or after
   * a rotation of it or of its parent.
   */
  async bundle(tenant: string, name: string): Promise<string> {
    const ca = await this.resource(tenant, name);
    const now = this.deps.now();
    const pems: string[] = [];
    const seen = new Set<string>();
    let names = [name];
    for (let depth = 0; names.length > 0 && depth < MAX_CHAIN_DEPTH; depth++) {
      const parents = new Set<string>();
      for (const next of names) {
        if (seen.has(next)) continue;
        seen.add(next);
        for (const certificate of await this.deps.repository.unexpired(tenant, next, now)) {
          pems.push(certificate.pem);
          if (certificate.parentName) parents.add(certificate.parentName);
        }
      }
      names = [...parents];
    }
    if (pems.length === 0) throw noCertificate(ca);
    return pems.join('');
  }

  /**
   * A CRL of the CA, DER: of its current key, or of the key `keyId` (an earlier key's CRL is
   * published while a CA certificate of it is unexpired: nothing it signed outlives that).
   */
  async crl(tenant: string, name: string, keyId?: string): Promise<Buffer> {
    const ca = await this.resource(tenant, name);
    const crl = await this.deps.repository.crl(tenant, name, keyId);
    if (crl) return crl.der;
    if (keyId === undefined) throw noCertificate(ca);
    throw new NotFoundError(
      `${CA_KIND} "${name}" publishes no CRL for key "${keyId}": it never had that key, or every certificate of that key has expired`,
    );
  }

  /** One page of the certificates the CA issued, in issue order (`limit` ≤ 5000, `continue` from the last page). */
  async certificates(tenant: string, name: string, query: { limit?: string; continue?: string }) {
    await this.resource(tenant, name);
    const limit = pageLimit(query.limit);
    const rows = await this.deps.issued.page(tenant, name, limit + 1, decodeContinue(query.continue));
    const page = rows.slice(0, limit);
    const now = this.deps.now().toISOString();
    const last = page[page.length - 1];
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'IssuedCertificateList',
      items: page.map((row) => toItem(row, now)),
      metadata: rows.length > limit && last ? { continue: encodeContinue(last) } : {},
    };
  }

  private async resource(tenant: string, name: string): Promise<StoredResource> {
    const ca = await this.deps.store.get({ tenant, kind: CA_KIND, name });
    if (!ca) throw new NotFoundError(`${CA_KIND} "${name}" not found`);
    return ca;
  }
}

function noCertificate(ca: StoredResource): NotFoundError {
  const ready = ca.status.conditions?.find((condition) => condition.type === 'Ready');
  const why = ready ? ` (Ready=${ready.status} ${ready.reason}: ${ready.message})` : ' (not reconciled yet)';
  return new NotFoundError(`${CA_KIND} "${ca.name}" has no certificate yet${why}`);
}

function toItem(row: IssuedRow, now: string): IssuedCertificateItem {
  const item: IssuedCertificateItem = {
    serial: row.serial,
    subject: row.subject,
    profile: row.profile,
    notBefore: row.not_before,
    notAfter: row.not_after,
    fingerprint: row.fingerprint,
    issuedAt: row.issued_at,
    state: row.revoked_at ? 'revoked' : row.not_after <= now ? 'expired' : 'valid',
  };
  if (row.owner_kind && row.owner_name) item.owner = { kind: row.owner_kind, name: row.owner_name };
  if (row.revoked_at)
    item.revocation = { revokedAt: row.revoked_at, reason: row.revocation_reason ?? 'unspecified' };
  return item;
}

/** `limit` query parameter: 1..MAX_PAGE, default DEFAULT_PAGE. Pure. @throws BadRequestError. */
export function pageLimit(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PAGE;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new BadRequestError(`limit must be an integer from 1 to ${MAX_PAGE}, got "${text}"`);
  return limit;
}

function encodeContinue(row: IssuedRow): string {
  return Buffer.from(JSON.stringify([row.issued_at, row.serial])).toString('base64url');
}

/** The position a `continue` token names. Pure. @throws BadRequestError for a token this server did not make. */
export function decodeContinue(token: string | undefined): { issuedAt: string; serial: string } | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const [issuedAt, serial] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof issuedAt === 'string' && typeof serial === 'string') return { issuedAt, serial };
  } catch {
    // fall through
  }
  throw new BadRequestError(
    'invalid continue token: pass the metadata.continue of the previous page unchanged',
  );
}
