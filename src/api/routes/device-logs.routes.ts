import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { OperationContext } from '../../context.js';
import { DeviceLogService } from '../../devices/device-logs.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';

/**
 * A device's log bundles (`/api/v1/devices/{name}/logs`): request one, list them, download one.
 * Thin: DeviceLogService decides; the device uploads through the device API, not here.
 */
@Controller('api/v1/devices')
export class DeviceLogRoutes {
  constructor(private readonly logs: DeviceLogService) {}

  /** 202: the device uploads at its next check-in. */
  @Post(':name/logs')
  @HttpCode(202)
  @Permission('devices:write')
  async request(@Ctx() context: OperationContext, @Param('name') name: string) {
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'DeviceLogRequest',
      ...(await this.logs.request(context, name)),
    };
  }

  @Get(':name/logs')
  @Permission('devices:read')
  list(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Query('limit') limit?: string,
    @Query('continue') token?: string,
  ) {
    return this.logs.list(context, name, { limit, continue: token });
  }

  /**
   * The bytes as the device sent them, in their own content type, as an attachment: never shown
   * inline, never sniffed, never cached, and sandboxed should a browser open it anyway.
   */
  @Get(':name/logs/:id')
  @Permission('devices:read')
  async download(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const bundle = await this.logs.download(context, name, id);
    void reply.headers({
      'content-type': bundle.contentType,
      'content-disposition': `attachment; filename="${name}-logs-${bundle.id}"`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
      // RFC 9530: the client can check what it received against what the device uploaded.
      'repr-digest': `sha-256=:${Buffer.from(bundle.sha256, 'hex').toString('base64')}:`,
    });
    return bundle.content;
  }
}
