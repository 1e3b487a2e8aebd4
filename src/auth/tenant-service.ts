import { randomBytes } from 'node:crypto';
import type { OperationContext } from '../context.js';
import { AlreadyExistsError } from '../errors.js';
import { type IdentityDeps, insertUser } from './identity-writes.js';
import { hashPassword } from './passwords.js';
import { SYSTEM_TENANT } from './principal.js';

/** A tenant to create with its first admin, its shape already validated (src/api/routes/identity-bodies.ts). */
export interface NewTenant {
  name: string;
  admin: { username: string; password: string };
}

/**
 * Tenants: the system tenant bootstrapped on an empty database, and the others created by its
 * admins, each with a first admin user. Nothing of one tenant is reachable from another.
 */
export class TenantService {
  constructor(private readonly deps: IdentityDeps) {}

  /**
   * First start of an empty database: tenant `default` and its `admin` (role admin). Answers the
   * generated password when none was configured, for the caller to print once; never stored
   * anywhere but as a hash.
   */
  async bootstrap(configuredPassword?: string): Promise<{ created: boolean; generatedPassword?: string }> {
    const { db, authenticator } = this.deps;
    const existing = await db.knex('tenants').where({ name: SYSTEM_TENANT }).first('name');
    if (existing) return { created: false };
    const generatedPassword = configuredPassword ? undefined : randomBytes(18).toString('base64url');
    const passwordHash = await hashPassword(configuredPassword ?? (generatedPassword as string));
    try {
      await db.transaction(async (trx) => {
        await trx('tenants').insert({ name: SYSTEM_TENANT, created_at: this.deps.clock().toISOString() });
        const id = await insertUser(this.deps, trx, {
          tenant: SYSTEM_TENANT,
          username: 'admin',
          passwordHash,
          role: 'admin',
        });
        await authenticator.record(
          SYSTEM_TENANT,
          { type: 'system', id: 'bootstrap', name: 'system:bootstrap' },
          { requestId: 'bootstrap' },
          {
            operation: 'user.create',
            kind: 'User',
            name: 'admin',
            result: 'created',
            reason: `bootstrap admin ${id} with role admin`,
          },
          trx,
        );
      });
    } catch (error) {
      // Two processes starting on one empty PostgreSQL: the other one bootstrapped.
      if (await db.knex('tenants').where({ name: SYSTEM_TENANT }).first('name')) return { created: false };
      throw error;
    }
    return { created: true, generatedPassword };
  }

  async listTenants(): Promise<Array<{ name: string; createdAt: string }>> {
    const rows = (await this.deps.db.knex('tenants').orderBy('name')) as Array<{
      name: string;
      created_at: string;
    }>;
    return rows.map((row) => ({ name: row.name, createdAt: row.created_at }));
  }

  /** A new tenant with its first admin user: nobody else can reach into it. */
  async createTenant(context: OperationContext, input: NewTenant): Promise<{ name: string; admin: string }> {
    const { name } = input;
    const adminName = input.admin.username;
    const passwordHash = await hashPassword(input.admin.password);
    const { authenticator } = this.deps;
    await this.deps.db.transaction(async (trx) => {
      if (await trx('tenants').where({ name }).first('name'))
        throw new AlreadyExistsError(`tenant "${name}" already exists`);
      await trx('tenants').insert({ name, created_at: this.deps.clock().toISOString() });
      const id = await insertUser(this.deps, trx, {
        tenant: name,
        username: adminName,
        passwordHash,
        role: 'admin',
      });
      await authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'tenant.create',
          kind: 'Tenant',
          name,
          result: 'created',
          reason: `first admin ${adminName}`,
        },
        trx,
      );
      // The new tenant's own chain starts with who created it.
      await authenticator.record(
        name,
        context.actor,
        context,
        {
          operation: 'user.create',
          kind: 'User',
          name: adminName,
          result: 'created',
          reason: `first admin ${id} with role admin, created by ${context.tenant}/${context.actor.name}`,
        },
        trx,
      );
    });
    return { name, admin: adminName };
  }
}
