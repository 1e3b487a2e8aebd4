import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { OperationContext } from '../../context.js';
import { DeviceApiEndpoint, DeviceApprovals } from '../../devices/approval.js';
import { NotFoundError } from '../../errors.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { EMPTY_BODY } from './identity-bodies.js';

/** Device actions beyond the resource: approval, and where the device API listens. */
@Controller('api/v1')
export class DeviceRoutes {
  constructor(
    private readonly approvals: DeviceApprovals,
    private readonly endpoint: DeviceApiEndpoint,
  ) {}

  @Post('devices/:name/approve')
  @HttpCode(200)
  @Permission('devices:approve')
  async approve(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(EMPTY_BODY) _body: unknown,
  ) {
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'DeviceApproval',
      ...(await this.approvals.approve(context, name)),
    };
  }

  /** The device API's address and the certificate agents trust to reach it. */
  @Get('device-api')
  @Permission('devices:read')
  deviceApi() {
    if (!this.endpoint.url)
      throw new NotFoundError('the device API is not enabled on this server (STEWARD_DEVICE_PORT=-1)');
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'DeviceApi',
      url: this.endpoint.url,
      trustPem: this.endpoint.trustPem,
    };
  }
}
