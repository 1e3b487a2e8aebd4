import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { OperationContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { CaPublication } from '../../pki/ca-publication.js';
import { IssuanceService } from '../../pki/issuance-service.js';
import { toPem } from '../../pki/pem.js';
import { RevocationService } from '../../pki/revocation-service.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';

const PEM_CHAIN = 'application/pem-certificate-chain';
const PKIX_CRL = 'application/pkix-crl';
/** Tenant and CA names are DNS-1123 labels; anything else cannot name a CA. */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The operator's side of a CertificateAuthority (`/api/v1/certificateauthorities/{name}/...`):
 * chain, trust bundle, CRL, the issued list, issuing from a CSR or public key, and revoking. Thin:
 * every decision is the PKI services'; the tenant is always the caller's.
 */
@Controller('api/v1/certificateauthorities')
export class CertificateAuthorityRoutes {
  constructor(
    private readonly publication: CaPublication,
    private readonly issuance: IssuanceService,
    private readonly revocation: RevocationService,
  ) {}

  /** PEM: the CA's current certificate, then its issuers' up to the root. */
  @Get(':name/chain')
  @Permission('certificateauthorities:read')
  async chain(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const pem = await this.publication.chain(context.tenant, name);
    void reply.header('content-type', PEM_CHAIN);
    return pem;
  }

  /** PEM: every still-valid certificate of the CA and the CAs above it (renewed and rotated ones stay until they expire). */
  @Get(':name/bundle')
  @Permission('certificateauthorities:read')
  async bundle(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const pem = await this.publication.bundle(context.tenant, name);
    void reply.header('content-type', PEM_CHAIN);
    return pem;
  }

  /** DER, or PEM with `?format=pem`. */
  @Get(':name/crl')
  @Permission('certificateauthorities:read')
  async crl(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return crlReply(await this.publication.crl(context.tenant, name), format, reply);
  }

  /** The CRL of one key of the CA (an earlier key's, after a rotation): DER, or PEM with `?format=pem`. */
  @Get(':name/crl/:keyId')
  @Permission('certificateauthorities:read')
  async keyCrl(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Param('keyId') keyId: string,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return crlReply(await this.publication.crl(context.tenant, name, keyId), format, reply);
  }

  @Get(':name/certificates')
  @Permission('certificateauthorities:read')
  certificates(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Query('limit') limit?: string,
    @Query('continue') token?: string,
  ) {
    return this.publication.certificates(context.tenant, name, { limit, continue: token });
  }

  /** Issues a certificate for a CSR or public key (PEM); answers it with the CA's chain. */
  @Post(':name/certificates')
  @HttpCode(201)
  @Permission('certificateauthorities:write')
  async issue(@Ctx() context: OperationContext, @Param('name') name: string, @Body() body: unknown) {
    const issued = await this.issuance.issueFromBody(context, name, body);
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'IssuedCertificate',
      serial: issued.serialHex,
      subject: issued.subject,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      fingerprint: issued.sha256Fingerprint,
      clipped: issued.clipped,
      certificate: issued.pem,
      chain: await this.publication.chain(context.tenant, name),
    };
  }

  /** `{serial, reason?}`; idempotent (a revoked certificate answers its revocation). */
  @Post(':name/revoke')
  @HttpCode(200)
  @Permission('certificateauthorities:write')
  async revoke(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Body() body: { serial?: unknown; reason?: unknown } | undefined,
  ) {
    const result = await this.revocation.revoke(context, name, body?.serial, body?.reason);
    return { apiVersion: 'steward.dev/v1', kind: 'Revocation', ...result };
  }
}

/**
 * What relying parties fetch without credentials: `/pki/{tenant}/{ca}/chain.pem`, `bundle.pem`,
 * `crl` (the current key's, DER) and `crl/{keyId}` (each key's; the CRL Distribution Point of
 * every certificate names the one of the key that signed it). Public on purpose, and read-only:
 * certificates and CRLs are public documents.
 */
@Controller('pki')
export class PublicPkiRoutes {
  constructor(private readonly publication: CaPublication) {}

  @Get(':tenant/:ca/chain.pem')
  @Permission('public')
  async chain(
    @Param('tenant') tenant: string,
    @Param('ca') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    checkNames(tenant, name);
    const pem = await this.publication.chain(tenant, name);
    void reply.header('content-type', PEM_CHAIN);
    return pem;
  }

  @Get(':tenant/:ca/bundle.pem')
  @Permission('public')
  async bundle(
    @Param('tenant') tenant: string,
    @Param('ca') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    checkNames(tenant, name);
    const pem = await this.publication.bundle(tenant, name);
    void reply.header('content-type', PEM_CHAIN);
    return pem;
  }

  @Get(':tenant/:ca/crl')
  @Permission('public')
  async crl(
    @Param('tenant') tenant: string,
    @Param('ca') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    checkNames(tenant, name);
    const der = await this.publication.crl(tenant, name);
    void reply.header('content-type', PKIX_CRL);
    return der;
  }

  @Get(':tenant/:ca/crl/:keyId')
  @Permission('public')
  async keyCrl(
    @Param('tenant') tenant: string,
    @Param('ca') name: string,
    @Param('keyId') keyId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    checkNames(tenant, name);
    const der = await this.publication.crl(tenant, name, keyId);
    void reply.header('content-type', PKIX_CRL);
    return der;
  }
}

function crlReply(der: Buffer, format: string | undefined, reply: FastifyReply): Buffer | string {
  if (format === 'pem') {
    void reply.header('content-type', 'application/x-pem-file');
    return toPem('X509 CRL', der);
  }
  void reply.header('content-type', PKIX_CRL);
  return der;
}

function checkNames(tenant: string, name: string): void {
  if (!LABEL.test(tenant) || !LABEL.test(name))
    throw new NotFoundError(`no CertificateAuthority "${name}" in tenant "${tenant}"`);
}
