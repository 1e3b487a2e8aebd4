import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApplyService } from '../../apply/apply-service.js';
import { ARTIFACT_PATCH_BODY, type ArtifactPatch, patchArtifact } from '../../artifacts/artifact-patch.js';
import { ArtifactService } from '../../artifacts/artifact-service.js';
import { mediaTypeOf } from '../../artifacts/sbom.js';
import { SigningKeys } from '../../artifacts/signing-keys.js';
import type { OperationContext } from '../../context.js';
import { ResourceStore } from '../../store/resource-store.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { EMPTY_BODY } from './identity-bodies.js';

/**
 * An Artifact's subresources: the signature the server made when it was published, and its SBOM
 * (SPDX or CycloneDX JSON, attached and downloaded in its own content type). Thin: ArtifactService
 * decides, in the caller's tenant only.
 */
@Controller('api/v1/artifacts')
export class ArtifactRoutes {
  constructor(
    private readonly artifacts: ArtifactService,
    private readonly apply: ApplyService,
    private readonly store: ResourceStore,
  ) {}

  /** Labels, annotations and the description of a published Artifact (a JSON merge patch). */
  @Patch(':name')
  @Permission('artifacts:write')
  update(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(ARTIFACT_PATCH_BODY) patch: ArtifactPatch,
  ) {
    return patchArtifact({ apply: this.apply, store: this.store }, context, name, patch);
  }

  @Get(':name/signature')
  @Permission('artifacts:read')
  signature(@Ctx() context: OperationContext, @Param('name') name: string) {
    return this.artifacts.signature(context, name);
  }

  /**
   * The body as sent: SBOM media types arrive as text (server.ts), `application/json` parsed with
   * its text kept (json-body.ts). Other types reach the service as they are, to be refused 415.
   */
  @Put(':name/sbom')
  @Permission('artifacts:write')
  attachSbom(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ) {
    const text = typeof body === 'string' ? body : (request.jsonText ?? '');
    return this.artifacts.attachSbom(context, name, {
      mediaType: mediaTypeOf(request.headers['content-type']),
      text,
    });
  }

  /** The document as attached, in its format's media type, never sniffed nor cached. */
  @Get(':name/sbom')
  @Permission('artifacts:read')
  async sbom(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const sbom = await this.artifacts.sbom(context, name);
    void reply.headers({
      'content-type': `${sbom.contentType}; charset=utf-8`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
      'repr-digest': `sha-256=:${Buffer.from(sbom.sha256, 'hex').toString('base64')}:`,
    });
    return sbom.document;
  }
}

/** The tenant's update-signing keys: listed with their validity; rotated by admins. */
@Controller('api/v1/signing-keys')
export class SigningKeyRoutes {
  constructor(private readonly signingKeys: SigningKeys) {}

  @Get()
  @Permission('artifacts:read')
  async list(@Ctx() context: OperationContext) {
    const items = await this.signingKeys.list(context);
    return { apiVersion: 'steward.dev/v1', kind: 'SigningKeyList', items, metadata: {} };
  }

  @Post('rotate')
  @HttpCode(200)
  @Permission('signing-keys:rotate')
  async rotate(@Ctx() context: OperationContext, @ValidBody(EMPTY_BODY) _body: unknown) {
    return { apiVersion: 'steward.dev/v1', kind: 'SigningKey', ...(await this.signingKeys.rotate(context)) };
  }
}
