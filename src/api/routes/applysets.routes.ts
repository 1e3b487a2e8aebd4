import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApplySetService } from '../../apply/applyset-service.js';
import type { OperationContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { Permission } from '../permission.js';
import { Ctx, isDryRun } from '../request-context.js';

function optionalInteger(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max)
    throw new BadRequestError(`query parameter ${name} must be an integer from 0 to ${max}, got "${value}"`);
  return Number(value);
}

/** `/api/v1/applysets`: the apply sets of the tenant (docs/gitops.md). */
@Controller('api/v1/applysets')
export class ApplySetRoutes {
  constructor(private readonly sets: ApplySetService) {}

  @Get()
  @Permission('applysets:read')
  async list(@Ctx() context: OperationContext) {
    return { apiVersion: 'steward.dev/v1', kind: 'ApplySetList', items: await this.sets.list(context) };
  }

  @Get(':name')
  @Permission('applysets:read')
  get(@Ctx() context: OperationContext, @Param('name') name: string) {
    return this.sets.get(context, name);
  }

  /** Orphans the members (they stay, in no set) unless `cascade=true`, which deletes them within the budget. */
  @Delete(':name')
  @Permission('applysets:write')
  delete(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Query('cascade') cascade?: string,
    @Query('maxDeletions') maxDeletions?: string,
    @Query('maxDeletionPercent') maxDeletionPercent?: string,
    @Query('dryRun') dryRun?: string,
  ) {
    if (cascade !== undefined && cascade !== 'true' && cascade !== 'false')
      throw new BadRequestError(`query parameter cascade must be true or false, got "${cascade}"`);
    return this.sets.delete(context, name, {
      cascade: cascade === 'true',
      maxDeletions: optionalInteger(maxDeletions, 'maxDeletions', 1_000_000),
      maxDeletionPercent: optionalInteger(maxDeletionPercent, 'maxDeletionPercent', 100),
      dryRun: isDryRun(dryRun),
    });
  }
}
