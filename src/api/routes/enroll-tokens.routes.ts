import { Controller, Delete, Get, Param, Post } from '@nestjs/common';
import type { OperationContext } from '../../context.js';
import { type CreateEnrollTokenInput, EnrollTokenService } from '../../devices/enroll-tokens.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { CREATE_ENROLL_TOKEN_BODY } from './enroll-token-body.js';
import { EMPTY_BODY } from './identity-bodies.js';

/**
 * Enrollment tokens. `enroll-tokens:write` is session-only (no API key ever holds it), so a
 * leaked key can never mint tokens that enroll devices into the fleet.
 */
@Controller('api/v1/enroll-tokens')
export class EnrollTokenRoutes {
  constructor(private readonly tokens: EnrollTokenService) {}

  @Get()
  @Permission('enroll-tokens:write')
  async list(@Ctx() context: OperationContext) {
    const items = await this.tokens.list(context);
    return { apiVersion: 'steward.dev/v1', kind: 'EnrollTokenList', items, metadata: {} };
  }

  @Post()
  @Permission('enroll-tokens:write')
  create(
    @Ctx() context: OperationContext,
    @ValidBody(CREATE_ENROLL_TOKEN_BODY) body: CreateEnrollTokenInput,
  ) {
    return this.tokens.create(context, body);
  }

  @Delete(':id')
  @Permission('enroll-tokens:write')
  remove(@Ctx() context: OperationContext, @Param('id') id: string, @ValidBody(EMPTY_BODY) _body: unknown) {
    return this.tokens.delete(context, id);
  }
}
