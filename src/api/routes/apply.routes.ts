import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApplyService } from '../../apply/apply-service.js';
import { type DecodedDocument, decodeJson, decodeYaml } from '../../apply/decode.js';
import type { OperationContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { Permission } from '../permission.js';
import { Ctx, isDryRun } from '../request-context.js';
import { ServerLimits } from '../server-limits.js';

/** `POST /api/v1/apply` and `POST /api/v1/delete`: YAML streams or JSON manifests. */
@Controller('api/v1')
export class ApplyRoutes {
  constructor(
    private readonly applyService: ApplyService,
    private readonly limits: ServerLimits,
  ) {}

  private decode(body: unknown, request: FastifyRequest): DecodedDocument[] {
    const limits = { maxDocuments: this.limits.maxDocuments, maxAliasCount: 100 };
    return typeof body === 'string'
      ? decodeYaml(body, limits)
      : decodeJson(body ?? null, limits, request.jsonText);
  }

  // Per-kind write permissions are checked by the service once the batch's kinds are known.
  @Post('apply')
  @HttpCode(200)
  @Permission('authenticated')
  apply(
    @Ctx() context: OperationContext,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Query('dryRun') dryRun?: string,
    @Query('prune') prune?: string,
  ) {
    // Refused rather than ignored: a silent no-op prune would leave resources the caller meant gone.
    if (prune !== undefined)
      throw new BadRequestError(
        'prune is not supported yet: apply without --prune and delete removed resources explicitly',
      );
    return this.applyService.apply(context, this.decode(body, request), { dryRun: isDryRun(dryRun) });
  }

  @Post('delete')
  @HttpCode(200)
  @Permission('authenticated')
  async delete(
    @Ctx() context: OperationContext,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Query('dryRun') dryRun?: string,
  ) {
    const items = await this.applyService.deleteByManifests(context, this.decode(body, request), {
      dryRun: isDryRun(dryRun),
    });
    return { apiVersion: 'steward.dev/v1', kind: 'DeleteResult', dryRun: isDryRun(dryRun), items };
  }
}
