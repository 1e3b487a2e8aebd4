import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { IdentityService } from '../../auth/identity-service.js';
import type { OperationContext } from '../../context.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { principalOf } from './auth.routes.js';

/** Users of the caller's tenant (`users:admin`, session only). */
@Controller('api/v1/users')
export class UserRoutes {
  constructor(private readonly identity: IdentityService) {}

  @Get()
  @Permission('users:admin')
  async list(@Ctx() context: OperationContext) {
    return { apiVersion: 'steward.dev/v1', kind: 'UserList', items: await this.identity.listUsers(context) };
  }

  @Post()
  @Permission('users:admin')
  create(@Ctx() context: OperationContext, @Body() body: Record<string, unknown> | undefined) {
    return this.identity.createUser(context, body ?? {});
  }

  @Put(':name')
  @Permission('users:admin')
  update(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @Body() body: { role?: unknown; password?: unknown } | undefined,
  ) {
    return this.identity.updateUser(context, name, body ?? {});
  }

  @Delete(':name')
  @HttpCode(204)
  @Permission('users:admin')
  async remove(@Ctx() context: OperationContext, @Param('name') name: string): Promise<void> {
    await this.identity.deleteUser(context, principalOf(context), name);
  }
}

/** Tenants (`tenants:admin`: admins of the system tenant, session only). */
@Controller('api/v1/tenants')
export class TenantRoutes {
  constructor(private readonly identity: IdentityService) {}

  @Get()
  @Permission('tenants:admin')
  async list() {
    return { apiVersion: 'steward.dev/v1', kind: 'TenantList', items: await this.identity.listTenants() };
  }

  @Post()
  @Permission('tenants:admin')
  create(
    @Ctx() context: OperationContext,
    @Body() body: { name?: unknown; admin?: { username?: unknown; password?: unknown } } | undefined,
  ) {
    return this.identity.createTenant(context, body ?? {});
  }
}
