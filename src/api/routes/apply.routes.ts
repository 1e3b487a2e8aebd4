import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApplyService } from '../../apply/apply-service.js';
import {
  type ApplySetOptions,
  DEFAULT_MAX_DELETION_PERCENT,
  DEFAULT_MAX_DELETIONS,
} from '../../apply/applyset-plan.js';
import { type DecodedDocument, decodeJson, decodeYaml } from '../../apply/decode.js';
import type { OperationContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { Permission } from '../permission.js';
import { Ctx, isDryRun } from '../request-context.js';
import { ServerLimits } from '../server-limits.js';

const SET_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function flagOf(query: Record<string, string | undefined>, name: string): boolean {
  const value = query[name];
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw new BadRequestError(`query parameter ${name} must be true or false, got "${value}"`);
}

function integerOf(
  query: Record<string, string | undefined>,
  name: string,
  fallback: number,
  max: number,
): number {
  const value = query[name];
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > max)
    throw new BadRequestError(`query parameter ${name} must be an integer from 0 to ${max}, got "${value}"`);
  return number;
}

/**
 * The apply-set parameters of `POST /api/v1/apply` (docs/gitops.md): `applyset=NAME`, `prune`,
 * `maxDeletions`, `maxDeletionPercent`, `allowEmpty`, `forceAdopt`. Pure.
 */
export function applySetOptions(query: Record<string, string | undefined>): ApplySetOptions | undefined {
  const name = query.applyset;
  const prune = flagOf(query, 'prune');
  const others = ['maxDeletions', 'maxDeletionPercent', 'allowEmpty', 'forceAdopt'].filter(
    (key) => query[key] !== undefined,
  );
  if (name === undefined) {
    // Refused rather than ignored: a prune that silently did nothing would leave resources the caller meant gone.
    if (prune || others.length > 0)
      throw new BadRequestError(
        `${prune ? 'prune' : others.join(', ')} needs an apply set: add applyset=NAME (steward apply --applyset NAME), the set whose members are pruned`,
      );
    return undefined;
  }
  if (!SET_NAME.test(name))
    throw new BadRequestError(
      `applyset must be a DNS-1123 label (lower-case letters, digits, "-"; at most 63), got "${name}"`,
    );
  return {
    name,
    prune,
    maxDeletions: integerOf(query, 'maxDeletions', DEFAULT_MAX_DELETIONS, 1_000_000),
    maxDeletionPercent: integerOf(query, 'maxDeletionPercent', DEFAULT_MAX_DELETION_PERCENT, 100),
    allowEmpty: flagOf(query, 'allowEmpty'),
    forceAdopt: flagOf(query, 'forceAdopt'),
  };
}

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
    @Query() query: Record<string, string | undefined> = {},
  ) {
    return this.applyService.apply(context, this.decode(body, request), {
      dryRun: isDryRun(dryRun),
      applySet: applySetOptions(query),
    });
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
