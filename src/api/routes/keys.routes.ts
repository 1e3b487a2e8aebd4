import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { type CreateKeyInput, IdentityService } from '../../auth/identity-service.js';
import type { OperationContext } from '../../context.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { principalOf } from './auth.routes.js';

/**
 * API keys. `keys:write` is session-only (no API key ever holds it), so a leaked key can never
 * mint, rotate or revoke keys; admin and read-only slot keys also need `keys:admin` (checked by
 * the service once the key's type is known).
 */
@Controller('api/v1/keys')
export class KeyRoutes {
  constructor(private readonly identity: IdentityService) {}

  @Get()
  @Permission('keys:write')
  async list(@Ctx() context: OperationContext) {
    const items = await this.identity.listKeys(context, principalOf(context));
    return { apiVersion: 'steward.dev/v1', kind: 'APIKeyList', items };
  }

  @Post()
  @Permission('keys:write')
  create(@Ctx() context: OperationContext, @Body() body: CreateKeyInput | undefined) {
    return this.identity.createKey(context, principalOf(context), body ?? {});
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @Permission('keys:write')
  rotate(@Ctx() context: OperationContext, @Param('id') id: string) {
    return this.identity.rotateKey(context, principalOf(context), id);
  }

  @Delete(':id')
  @Permission('keys:write')
  revoke(@Ctx() context: OperationContext, @Param('id') id: string) {
    return this.identity.revokeKey(context, principalOf(context), id);
  }
}
