import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationContext } from '../../context.js';
import { packageVersion } from '../../package-root.js';
import { KindIndex } from '../../resources/kind-index.js';
import {
  kubeCoreVersions,
  kubeGroup,
  kubeGroupList,
  kubeResourceList,
  kubeVersion,
} from '../kube/kube-discovery.js';
import { KubeFacade, type KubeQuery } from '../kube/kube-facade.js';
import { KUBE_OPENAPI, type KubeOpenApi } from '../kube/kube-openapi-published.js';
import { wantsTable } from '../kube/kube-table.js';
import { KubeWatches } from '../kube/kube-watch.js';
import type { WriteAnswer } from '../kube/kube-write.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';

/** Kubernetes' `Warning` header: one `299 - "text"` per warning (kubectl prints them). */
function send(reply: FastifyReply, answer: WriteAnswer | { status: number; body: unknown }) {
  const warnings = 'warnings' in answer ? answer.warnings : [];
  if (warnings.length > 0)
    void reply.header(
      'warning',
      warnings.map((warning) => `299 - ${JSON.stringify(warning)}`),
    );
  return reply.status(answer.status).send(answer.body);
}

/**
 * Kubernetes discovery for kubectl and client libraries (issue #19): `/version`, `/api`, `/apis`,
 * `/apis/steward.dev[/v1]`, derived from the kind registry. Any credential may read them, as
 * Steward's own discovery (`GET /api/v1`).
 */
@Controller()
export class KubeDiscoveryRoutes {
  constructor(
    private readonly kinds: KindIndex,
    @Inject(KUBE_OPENAPI) private readonly openapi: KubeOpenApi,
  ) {}

  @Get('version')
  @Permission('authenticated')
  version() {
    return kubeVersion(packageVersion());
  }

  @Get('api')
  @Permission('authenticated')
  core() {
    return kubeCoreVersions();
  }

  @Get('apis')
  @Permission('authenticated')
  groups() {
    return kubeGroupList();
  }

  @Get('apis/steward.dev')
  @Permission('authenticated')
  group() {
    return kubeGroup();
  }

  @Get('apis/steward.dev/v1')
  @Permission('authenticated')
  resources() {
    return kubeResourceList(this.kinds.all);
  }

  /** The OpenAPI v3 index: kubectl needs it for apply, diff and explain. */
  @Get('openapi/v3')
  @Permission('authenticated')
  openapiIndex() {
    return this.openapi.index;
  }

  @Get('openapi/v3/apis/steward.dev/v1')
  @Permission('authenticated')
  openapiGroup(@Res() reply: FastifyReply) {
    // The index names it with its hash: clients may keep it as long as they like.
    return reply
      .header('cache-control', 'public, immutable, max-age=86400')
      .header('etag', `"${this.openapi.hash}"`)
      .header('content-type', 'application/json')
      .send(this.openapi.groupText);
  }
}

/**
 * The kinds as Kubernetes resources: `/apis/steward.dev/v1/{plural}[/{name}]`, cluster-scoped,
 * in the credential's tenant. Thin: the facade decides, the apply service writes.
 */
@Controller('apis/steward.dev/v1')
export class KubeResourceRoutes {
  constructor(
    private readonly facade: KubeFacade,
    private readonly watches: KubeWatches,
  ) {}

  @Get(':plural')
  @Permission('{plural}:read')
  async list(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Query() query: KubeQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const table = wantsTable(request.headers.accept);
    if (query.watch === 'true' || query.watch === '1')
      return this.watches.serve(context, plural, query, table, request, reply);
    return reply.send(await this.facade.list(context, plural, query, table));
  }

  @Post(':plural')
  @Permission('{plural}:write')
  async create(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Body() body: unknown,
    @Query() query: KubeQuery,
    @Headers('user-agent') userAgent: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    return send(reply, await this.facade.create(context, plural, body, query, userAgent));
  }

  @Get(':plural/:name')
  @Permission('{plural}:read')
  get(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Req() request: FastifyRequest,
  ) {
    return this.facade.get(context, plural, name, wantsTable(request.headers.accept));
  }

  @Put(':plural/:name')
  @Permission('{plural}:write')
  async replace(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Query() query: KubeQuery,
    @Headers('user-agent') userAgent: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    return send(reply, await this.facade.replace(context, plural, name, body, query, userAgent));
  }

  @Patch(':plural/:name')
  @Permission('{plural}:write')
  async patch(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Query() query: KubeQuery,
    @Headers('content-type') contentType: string | undefined,
    @Headers('user-agent') userAgent: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    return send(
      reply,
      await this.facade.patch(context, plural, name, body, contentType ?? '', query, userAgent),
    );
  }

  @Delete(':plural/:name')
  @Permission('{plural}:write')
  async remove(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Query() query: KubeQuery,
    @Res() reply: FastifyReply,
  ) {
    return send(reply, await this.facade.delete(context, plural, name, body, query));
  }
}
