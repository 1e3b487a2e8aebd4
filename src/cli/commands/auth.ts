import { isServerError } from '../client.js';
import type { CommandSpec } from '../command.js';
import { type CliConfig, type CliContext, currentContext, sameServer } from '../config-file.js';
import { readAll } from '../io.js';
import { promptLine } from '../prompt.js';
import type { Session } from '../session.js';

interface LoginAnswer {
  user: string;
  tenant: string;
  role: string;
  expiresAt?: string;
  sessionToken: string;
}

interface Me {
  user: string;
  tenant: string;
  role?: string;
  permissions?: string[];
  credential?: { type: string; id?: string; name?: string; expiresAt?: string | null };
}

/** The context a login for `server` updates: the current one if it is for that server, else one named after it. */
export function contextForLogin(config: CliConfig, server: string, tenant?: string): CliContext {
  const current = currentContext(config);
  if (current && sameServer(current.server, server)) return current;
  const existing = config.contexts.find(
    (context) => sameServer(context.server, server) && (!tenant || context.tenant === tenant),
  );
  if (existing) return existing;
  const host = new URL(server).host;
  const name = tenant ? `${tenant}@${host}` : host;
  const created: CliContext = { name, server };
  config.contexts.push(created);
  return created;
}

export const loginCommand: CommandSpec = {
  name: 'login',
  summary: 'Log in with a username and password; the session token is kept in the config file',
  usage: 'login [--server URL] [--tenant T] [--username U] [--password-stdin]',
  arity: [0, 0],
  options: {
    tenant: {
      type: 'string',
      valueName: 'TENANT',
      description: "tenant to log in to (default: the context's, else the server's default)",
    },
    username: {
      type: 'string',
      short: 'u',
      valueName: 'USER',
      description: 'username (prompted when omitted)',
    },
    'password-stdin': { type: 'boolean', description: 'read the password from stdin (for scripts)' },
  },
  examples: [
    'steward login --server https://steward.example.com --tenant acme -u alice',
    'echo "$PASSWORD" | steward login -u ci --password-stdin',
  ],
  async run(session, args) {
    const connection = await session.connection();
    const username = args.string('username') ?? (await promptLine(session.io, 'Username: ', false)).trim();
    const password = args.flag('password-stdin')
      ? (await readAll(session.io.stdin)).replace(/\r?\n$/, '')
      : await promptLine(session.io, 'Password: ', true);
    if (!username || !password) throw args.usage('a username and a password are required');
    const tenant = args.string('tenant') ?? connection.tenant;
    const client = await session.client();
    const answer = await client.request<LoginAnswer>('POST', '/api/v1/auth/login', {
      body: { username, password, tenant },
    });
    const config = await session.loadConfig();
    const context = contextForLogin(config, connection.server, tenant);
    context.token = answer.sessionToken;
    context.tenant = answer.tenant;
    config.currentContext = context.name;
    await session.saveConfig(config);
    const expiry = answer.expiresAt ? `; session expires ${answer.expiresAt}` : '';
    session.out(
      `Logged in to ${connection.server} as ${answer.user} (tenant ${answer.tenant}, role ${answer.role})${expiry}.`,
    );
    session.out(`Context "${context.name}" saved in ${session.configPath}.`);
    return 0;
  },
};

export const logoutCommand: CommandSpec = {
  name: 'logout',
  summary: "End the session and forget the current context's token",
  usage: 'logout',
  arity: [0, 0],
  async run(session) {
    const connection = await session.connection();
    const client = await session.client();
    try {
      await client.request('POST', '/api/v1/auth/logout', { body: {} });
    } catch (error) {
      // An expired session is as logged out as can be; forget the token all the same.
      if (!isServerError(error, 401)) throw error;
    }
    await forgetToken(session, connection.server);
    session.out(`Logged out of ${connection.server}.`);
    return 0;
  },
};

async function forgetToken(session: Session, server: string): Promise<void> {
  const config = await session.loadConfig();
  const context = currentContext(config);
  if (context && sameServer(context.server, server) && context.token) {
    delete context.token;
    await session.saveConfig(config);
  }
}

export const whoamiCommand: CommandSpec = {
  name: 'whoami',
  summary: 'Show the user, tenant, role and permissions of the current credential',
  usage: 'whoami [-o json]',
  arity: [0, 0],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'text (default) or json' },
  },
  examples: ['steward whoami'],
  async run(session, args) {
    const format = args.choice('output', ['text', 'json'] as const);
    const client = await session.client();
    const me = await client.request<Me>('GET', '/api/v1/auth/me');
    if (format === 'json') {
      session.out(JSON.stringify(me, null, 2));
      return 0;
    }
    const credential = me.credential;
    const lines = [
      ['User', me.user],
      ['Tenant', me.tenant],
      ['Role', me.role ?? '<none>'],
      [
        'Credential',
        credential ? `${credential.type} ${credential.name ?? credential.id ?? ''}`.trim() : '<none>',
      ],
      ['Expires', credential?.expiresAt ?? 'never'],
      ['Permissions', (me.permissions ?? []).join(', ') || '<none>'],
    ];
    for (const [label, value] of lines) session.out(`${`${label}:`.padEnd(13)}${value}`);
    return 0;
  },
};

export const passwdCommand: CommandSpec = {
  name: 'passwd',
  summary: 'Change your password (your other sessions end)',
  usage: 'passwd [--password-stdin]',
  arity: [0, 0],
  options: {
    'password-stdin': {
      type: 'boolean',
      description: 'read the current and the new password from stdin, one per line (for scripts)',
    },
  },
  examples: ['steward passwd', 'printf "%s\\n%s\\n" "$OLD" "$NEW" | steward passwd --password-stdin'],
  async run(session, args) {
    let currentPassword: string;
    let newPassword: string;
    if (args.flag('password-stdin')) {
      [currentPassword = '', newPassword = ''] = (await readAll(session.io.stdin)).split(/\r?\n/);
    } else {
      currentPassword = await promptLine(session.io, 'Current password: ', true);
      newPassword = await promptLine(session.io, 'New password: ', true);
      if ((await promptLine(session.io, 'Repeat the new password: ', true)) !== newPassword)
        throw args.usage('the two new passwords differ');
    }
    if (!currentPassword || !newPassword) throw args.usage('the current and the new password are required');
    const client = await session.client();
    await client.request('POST', '/api/v1/auth/password', { body: { currentPassword, newPassword } });
    session.out('Password changed; your other sessions have ended.');
    return 0;
  },
};
