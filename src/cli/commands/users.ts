import type { CommandSpec } from '../command.js';
import { readAll } from '../io.js';
import { age } from '../output/age.js';
import { renderTable } from '../output/table.js';
import { promptLine } from '../prompt.js';
import type { Session } from '../session.js';

const ROLES = ['viewer', 'operator', 'admin'] as const;
type Args = Parameters<NonNullable<CommandSpec['run']>>[1];

/** A new password: the first line of stdin with --password-stdin, else typed twice at the terminal. */
async function newPassword(session: Session, args: Args, label: string): Promise<string> {
  if (args.flag('password-stdin')) return (await readAll(session.io.stdin)).split(/\r?\n/)[0] ?? '';
  const password = await promptLine(session.io, `${label}: `, true);
  if ((await promptLine(session.io, `Repeat the ${label.toLowerCase()}: `, true)) !== password)
    throw args.usage('the two passwords differ');
  return password;
}

const passwordStdin = {
  'password-stdin': {
    type: 'boolean' as const,
    description: 'read the password from the first line of stdin',
  },
};

const listUsers: CommandSpec = {
  name: 'list',
  summary: "List the users of the current context's tenant",
  usage: 'users list',
  arity: [0, 0],
  async run(session) {
    const client = await session.client();
    const list = await client.request<{
      items: Array<{ username: string; role: string; createdAt: string }>;
    }>('GET', '/api/v1/users');
    const now = session.now();
    session.io.stdout.write(
      renderTable(
        ['USERNAME', 'ROLE', 'AGE'],
        list.items.map((user) => [user.username, user.role, age(user.createdAt, now) ?? '']),
      ),
    );
    return 0;
  },
};

const createUser: CommandSpec = {
  name: 'create',
  summary: 'Create a user (needs a login session with users:admin)',
  usage: 'users create NAME --role viewer|operator|admin [--password-stdin]',
  arity: [1, 1],
  options: {
    role: { type: 'string', valueName: 'ROLE', description: 'viewer (default), operator or admin' },
    ...passwordStdin,
  },
  examples: [
    'steward users create alice --role operator',
    'echo "$PW" | steward users create ci --password-stdin',
  ],
  async run(session, args) {
    const role = args.choice('role', ROLES);
    const password = await newPassword(session, args, 'Password');
    const client = await session.client();
    await client.request('POST', '/api/v1/users', {
      body: { username: args.positionals[0], password, role },
    });
    session.out(`user ${args.positionals[0]} created (role ${role})`);
    return 0;
  },
};

const setRole: CommandSpec = {
  name: 'set-role',
  summary: "Change a user's role; it applies to their sessions and keys from the next request",
  usage: 'users set-role NAME viewer|operator|admin',
  arity: [2, 2],
  async run(session, args) {
    const [username, role] = args.positionals;
    const client = await session.client();
    const updated = await client.request<{ role: string }>(
      'PUT',
      `/api/v1/users/${encodeURIComponent(username)}`,
      {
        body: { role },
      },
    );
    session.out(`user ${username} now has role ${updated.role}`);
    return 0;
  },
};

const resetPassword: CommandSpec = {
  name: 'reset-password',
  summary: "Set a user's password (their sessions end)",
  usage: 'users reset-password NAME [--password-stdin]',
  arity: [1, 1],
  options: passwordStdin,
  async run(session, args) {
    const password = await newPassword(session, args, 'New password');
    const client = await session.client();
    await client.request('PUT', `/api/v1/users/${encodeURIComponent(args.positionals[0])}`, {
      body: { password },
    });
    session.out(`password of ${args.positionals[0]} reset; their sessions have ended`);
    return 0;
  },
};

const deleteUser: CommandSpec = {
  name: 'delete',
  summary: 'Delete a user: their sessions end and the keys they created are revoked',
  usage: 'users delete NAME',
  arity: [1, 1],
  async run(session, args) {
    const client = await session.client();
    await client.request('DELETE', `/api/v1/users/${encodeURIComponent(args.positionals[0])}`);
    session.out(`user ${args.positionals[0]} deleted`);
    return 0;
  },
};

export const usersCommand: CommandSpec = {
  name: 'users',
  summary: 'Administer the users of the current tenant (session only)',
  usage: 'users list|create|set-role|reset-password|delete',
  subcommands: [listUsers, createUser, setRole, resetPassword, deleteUser],
};

const listTenants: CommandSpec = {
  name: 'list',
  summary: 'List tenants (system tenant admins)',
  usage: 'tenants list',
  arity: [0, 0],
  async run(session) {
    const client = await session.client();
    const list = await client.request<{ items: Array<{ name: string; createdAt: string }> }>(
      'GET',
      '/api/v1/tenants',
    );
    const now = session.now();
    session.io.stdout.write(
      renderTable(
        ['NAME', 'AGE'],
        list.items.map((tenant) => [tenant.name, age(tenant.createdAt, now) ?? '']),
      ),
    );
    return 0;
  },
};

const createTenant: CommandSpec = {
  name: 'create',
  summary: 'Create a tenant with its first admin user',
  usage: 'tenants create NAME --admin USER [--password-stdin]',
  arity: [1, 1],
  options: {
    admin: { type: 'string', valueName: 'USER', description: "the new tenant's first admin" },
    ...passwordStdin,
  },
  examples: ['steward tenants create acme --admin alice'],
  async run(session, args) {
    const admin = args.string('admin');
    if (!admin) throw args.usage('--admin is required: a tenant starts with its first admin');
    const password = await newPassword(session, args, `Password of ${admin}`);
    const client = await session.client();
    await client.request('POST', '/api/v1/tenants', {
      body: { name: args.positionals[0], admin: { username: admin, password } },
    });
    session.out(
      `tenant ${args.positionals[0]} created; log in with: steward login --tenant ${args.positionals[0]} -u ${admin}`,
    );
    return 0;
  },
};

export const tenantsCommand: CommandSpec = {
  name: 'tenants',
  summary: 'List and create tenants (system tenant admins, session only)',
  usage: 'tenants list|create',
  subcommands: [listTenants, createTenant],
};
