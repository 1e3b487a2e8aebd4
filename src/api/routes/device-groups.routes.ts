import { Controller, Get, Param, Query } from '@nestjs/common';
import type { OperationContext } from '../../context.js';
import { DeviceGroupMembers } from '../../devices/device-group-members.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';

/** `/api/v1/devicegroups/{name}/members`: the Devices a group's selector matches now. */
@Controller('api/v1/devicegroups')
export class DeviceGroupRoutes {
  constructor(private readonly members: DeviceGroupMembers) {}

  /**
   * Declares `devicegroups:read` (a route declares one permission); listing devices also needs
   * `devices:read`, which DeviceGroupMembers checks once the group is found (403 naming it).
   */
  @Get(':name/members')
  @Permission('devicegroups:read')
  list(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Query('limit') limit?: string,
    @Query('continue') token?: string,
  ) {
    return this.members.list(context, name, { limit, continue: token });
  }
}
