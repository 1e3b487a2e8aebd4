import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApplyService } from '../../apply/apply-service.js';
import type { OperationContext } from '../../context.js';
import { KindIndex } from '../../resources/kind-index.js';
import { ResourceQueries } from '../../resources/resource-queries.js';
import { Permission } from '../permission.js';
import { Ctx, isDryRun } from '../request-context.js';

/** Generic reads and deletes of every kind: `/api/v1/{plural}[/{name}]`. */
@Controller('api/v1')
export class ResourceRoutes {
  constructor(
    private readonly queries: ResourceQueries,
    private readonly applyService: ApplyService,
    private readonly kinds: KindIndex,
  ) {}

  @Get(':plural')
  @Permission('{plural}:read')
  list(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Query() query: Record<string, string | undefined>,
  ) {
    return this.queries.list(context, plural, {
      labelSelector: query.labelSelector,
      limit: query.limit,
      continue: query.continue,
    });
  }

  @Get(':plural/:name')
  @Permission('{plural}:read')
  get(@Ctx() context: OperationContext, @Param('plural') plural: string, @Param('name') name: string) {
    return this.queries.get(context, plural, name);
  }

  @Delete(':plural/:name')
  @Permission('{plural}:write')
  async remove(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Query('dryRun') dryRun?: string,
    @Query('resourceVersion') resourceVersion?: string,
  ) {
    const kind = this.kinds.resolve(plural);
    const result = await this.applyService.deleteOne(context, kind.kind, name, {
      dryRun: isDryRun(dryRun),
      resourceVersion,
    });
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'DeleteResult',
      dryRun: isDryRun(dryRun),
      items: [{ index: 0, kind: kind.kind, name, result }],
    };
  }
}
