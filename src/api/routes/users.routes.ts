import { Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { type NewTenant, TenantService } from '../../auth/tenant-service.js';
import { type NewUser, type UserChange, UserService } from '../../auth/user-service.js';
import type { OperationContext } from '../../context.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { principalOf } from './auth.routes.js';
import { CREATE_TENANT_BODY, CREATE_USER_BODY, UPDATE_USER_BODY } from './identity-bodies.js';

/** Users of the caller's tenant (`users:admin`, session only). */
@Controller('api/v1/users')
export class UserRoutes {
  constructor(private readonly users: UserService) {}

  @Get()
  @Permission('users:admin')
  async list(@Ctx() context: OperationContext) {
    return { apiVersion: 'steward.dev/v1', kind: 'UserList', items: await this.users.listUsers(context) };
  }

  @Post()
  @Permission('users:admin')
  create(@Ctx() context: OperationContext, @ValidBody(CREATE_USER_BODY) body: NewUser) {
    return this.users.createUser(context, body);
  }

  @Put(':name')
  @Permission('users:admin')
  update(
    @Ctx() context: OperationContext,
    @Param('name') name: string,
    @ValidBody(UPDATE_USER_BODY) body: UserChange,
  ) {
    return this.users.updateUser(context, name, body);
  }

  @Delete(':name')
  @HttpCode(204)
  @Permission('users:admin')
  async remove(@Ctx() context: OperationContext, @Param('name') name: string): Promise<void> {
    await this.users.deleteUser(context, principalOf(context), name);
  }
}

/** Tenants (`tenants:admin`: admins of the system tenant, session only). */
@Controller('api/v1/tenants')
export class TenantRoutes {
  constructor(private readonly tenants: TenantService) {}

  @Get()
  @Permission('tenants:admin')
  async list() {
    return { apiVersion: 'steward.dev/v1', kind: 'TenantList', items: await this.tenants.listTenants() };
  }

  @Post()
  @Permission('tenants:admin')
  create(@Ctx() context: OperationContext, @ValidBody(CREATE_TENANT_BODY) body: NewTenant) {
    return this.tenants.createTenant(context, body);
  }
}
