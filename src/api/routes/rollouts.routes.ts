import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { OperationContext } from '../../context.js';
import { RolloutActions } from '../../rollouts/rollout-actions.js';
import { RolloutDeviceList } from '../../rollouts/rollout-device-list.js';
import { bodySchema } from '../../schema/request-body.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';

/** A rollout action takes an optional reason, journaled with it. */
export const ACTION_BODY = bodySchema<{ reason?: string }>({
  type: 'object',
  description: 'An optional reason, journaled with the action.',
  properties: { reason: { type: 'string', minLength: 1, maxLength: 512 } },
  additionalProperties: false,
});

/**
 * What people do to a running rollout (DESIGN §3 subresources), and its devices one by one.
 * Approve needs `rollouts:approve`; pause, resume and abort `rollouts:write`.
 */
@Controller('api/v1/rollouts')
export class RolloutRoutes {
  constructor(
    private readonly actions: RolloutActions,
    private readonly devices: RolloutDeviceList,
  ) {}

  @Post(':name/approve')
  @HttpCode(200)
  @Permission('rollouts:approve')
  approve(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(ACTION_BODY) body: { reason?: string },
  ) {
    return this.actions.run(context, name, 'approve', body ?? {});
  }

  @Post(':name/pause')
  @HttpCode(200)
  @Permission('rollouts:write')
  pause(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(ACTION_BODY) body: { reason?: string },
  ) {
    return this.actions.run(context, name, 'pause', body ?? {});
  }

  @Post(':name/resume')
  @HttpCode(200)
  @Permission('rollouts:write')
  resume(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(ACTION_BODY) body: { reason?: string },
  ) {
    return this.actions.run(context, name, 'resume', body ?? {});
  }

  @Post(':name/abort')
  @HttpCode(200)
  @Permission('rollouts:write')
  abort(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(ACTION_BODY) body: { reason?: string },
  ) {
    return this.actions.run(context, name, 'abort', body ?? {});
  }

  /** The rollout's devices with their wave, state, attempts and last message (Mender's per-device statuses). */
  @Get(':name/devices')
  @Permission('rollouts:read')
  list(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Query('state') state?: string,
    @Query('wave') wave?: string,
    @Query('limit') limit?: string,
    @Query('continue') continueToken?: string,
  ) {
    return this.devices.list(context, name, { state, wave, limit, continue: continueToken });
  }
}
