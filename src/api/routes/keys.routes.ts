import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiKeyService, type CreateKeyInput } from '../../auth/api-key-service.js';
import type { OperationContext } from '../../context.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { principalOf } from './auth.routes.js';
import { CREATE_KEY_BODY, EMPTY_BODY } from './identity-bodies.js';

/**
 * API keys. `keys:write` is session-only (no API key ever holds it), so a leaked key can never
 * mint, rotate or revoke keys; admin and read-only slot keys also need `keys:admin` (checked by
 * the service once the key's type is known).
 */
@Controller('api/v1/keys')
export class KeyRoutes {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get()
  @Permission('keys:write')
  async list(@Ctx() context: OperationContext) {
    const items = await this.apiKeys.listKeys(context, principalOf(context));
    return { apiVersion: 'steward.dev/v1', kind: 'APIKeyList', items };
  }

  @Post()
  @Permission('keys:write')
  create(@Ctx() context: OperationContext, @ValidBody(CREATE_KEY_BODY) body: CreateKeyInput) {
    return this.apiKeys.createKey(context, principalOf(context), body);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @Permission('keys:write')
  rotate(@Ctx() context: OperationContext, @Param('id') id: string, @ValidBody(EMPTY_BODY) _body: unknown) {
    return this.apiKeys.rotateKey(context, principalOf(context), id);
  }

  @Delete(':id')
  @Permission('keys:write')
  revoke(@Ctx() context: OperationContext, @Param('id') id: string, @ValidBody(EMPTY_BODY) _body: unknown) {
    return this.apiKeys.revokeKey(context, principalOf(context), id);
  }
}
