import type { CommandSpec } from '../command.js';
import { age } from '../output/age.js';
import { NONE, renderTable } from '../output/table.js';

interface ApiKey {
  id: string;
  name?: string;
  type: string;
  slot?: string | null;
  prefix?: string;
  permissions?: string[];
  createdAt?: string;
  lastRotatedAt?: string | null;
  lastUsedAt?: string | null;
  expiresAt?: string | null;
  /** The plaintext, only in the answer of create and rotate. */
  key?: string;
}

const KEY_TYPES = ['admin', 'readonly', 'fine-grained'] as const;

/** `30`, `30d` → 30; undefined when malformed. Pure. */
export function parseExpiryDays(text: string): number | undefined {
  const match = /^(\d+)d?$/.exec(text.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(days) && days > 0 ? days : undefined;
}

/** The plaintext alone on stdout (so `$(steward keys create ...)` captures just it), the rest on stderr. */
function printPlaintext(
  session: Parameters<NonNullable<CommandSpec['run']>>[0],
  key: ApiKey,
  verb: string,
): void {
  const expires = key.expiresAt ? `, expires ${key.expiresAt}` : '';
  session.err(
    `API key ${key.id}${key.name ? ` (${key.name})` : ''} ${verb}: type ${key.type}${key.slot ? `, slot ${key.slot}` : ''}${expires}`,
  );
  session.out(key.key ?? '');
  session.err('Copy this key now: it will not be shown again.');
}

const createCommand: CommandSpec = {
  name: 'create',
  summary: 'Create an API key (needs a login session); prints its plaintext once',
  usage:
    'keys create --type admin|readonly|fine-grained [--slot primary|secondary] [--name N] [--permission P]... [--expires 7|30|90|365|Nd]',
  arity: [0, 0],
  options: {
    type: { type: 'string', valueName: 'TYPE', description: 'admin, readonly or fine-grained' },
    slot: {
      type: 'string',
      valueName: 'SLOT',
      description: 'primary or secondary (admin and readonly keys rotate between two)',
    },
    name: { type: 'string', valueName: 'NAME', description: 'a name to recognise the key by' },
    permission: {
      type: 'string',
      multiple: true,
      valueName: 'PERM',
      description: 'a permission of a fine-grained key, e.g. devices:read',
    },
    expires: { type: 'string', valueName: 'DAYS', description: 'lifetime in days: 7, 30, 90, 365 or Nd' },
  },
  examples: [
    'steward keys create --type readonly --slot secondary --expires 90',
    'steward keys create --type fine-grained --name ci --permission devices:write --permission rollouts:approve --expires 30d',
  ],
  async run(session, args) {
    if (!args.string('type')) throw args.usage('--type is required (admin, readonly or fine-grained)');
    const type = args.choice('type', KEY_TYPES);
    const slot =
      args.string('slot') === undefined ? undefined : args.choice('slot', ['primary', 'secondary'] as const);
    const permissions = args.strings('permission');
    if (type === 'fine-grained' && permissions.length === 0)
      throw args.usage('a fine-grained key needs at least one --permission');
    if (type !== 'fine-grained' && permissions.length > 0)
      throw args.usage('--permission is only for fine-grained keys');
    const expiresText = args.string('expires');
    const expiresInDays = expiresText === undefined ? undefined : parseExpiryDays(expiresText);
    if (expiresText !== undefined && expiresInDays === undefined)
      throw args.usage('--expires takes a number of days: 7, 30, 90, 365 or Nd');
    const client = await session.client();
    const key = await client.request<ApiKey>('POST', '/api/v1/keys', {
      body: {
        type,
        slot,
        name: args.string('name'),
        permissions: permissions.length ? permissions : undefined,
        expiresInDays,
      },
    });
    printPlaintext(session, key, 'created');
    return 0;
  },
};

const listCommand: CommandSpec = {
  name: 'list',
  summary: 'List API keys (never their plaintext)',
  usage: 'keys list [-o table|json]',
  arity: [0, 0],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default) or json' },
  },
  examples: ['steward keys list'],
  async run(session, args) {
    const format = args.choice('output', ['table', 'json'] as const);
    const client = await session.client();
    const list = await client.request<{ items: ApiKey[] }>('GET', '/api/v1/keys');
    if (format === 'json') {
      session.out(JSON.stringify(list, null, 2));
      return 0;
    }
    if (list.items.length === 0) {
      session.err('No API keys.');
      return 0;
    }
    const now = session.now();
    const rows = list.items.map((key) => [
      key.id,
      key.name || NONE,
      key.type,
      key.slot || NONE,
      key.prefix || NONE,
      key.type === 'fine-grained' ? (key.permissions ?? []).join(',') : NONE,
      age(key.createdAt, now) ?? NONE,
      key.lastUsedAt ? `${age(key.lastUsedAt, now)} ago` : 'never',
      key.expiresAt ?? 'never',
    ]);
    session.io.stdout.write(
      renderTable(
        ['ID', 'NAME', 'TYPE', 'SLOT', 'PREFIX', 'PERMISSIONS', 'AGE', 'LAST USED', 'EXPIRES'],
        rows,
      ),
    );
    return 0;
  },
};

const rotateCommand: CommandSpec = {
  name: 'rotate',
  summary: 'Replace a key by a new plaintext (the old one stops working); prints it once',
  usage: 'keys rotate ID',
  arity: [1, 1],
  examples: ['steward keys rotate 3f2a9c'],
  async run(session, args) {
    const client = await session.client();
    const key = await client.request<ApiKey>(
      'POST',
      `/api/v1/keys/${encodeURIComponent(args.positionals[0])}/rotate`,
      { body: {} },
    );
    printPlaintext(session, key, 'rotated');
    return 0;
  },
};

const revokeCommand: CommandSpec = {
  name: 'revoke',
  summary: 'Revoke a key; it is refused from the next request on',
  usage: 'keys revoke ID',
  arity: [1, 1],
  examples: ['steward keys revoke 3f2a9c'],
  async run(session, args) {
    const client = await session.client();
    await client.request('DELETE', `/api/v1/keys/${encodeURIComponent(args.positionals[0])}`);
    session.out(`key ${args.positionals[0]} revoked`);
    return 0;
  },
};

interface CataloguePermission {
  name: string;
  description: string;
  roles: string[];
  apiKey: boolean;
  sessionOnly: boolean;
}

const permissionsCommand: CommandSpec = {
  name: 'permissions',
  summary: 'List the permissions a key may be given (--all: every one), with the roles that hold them',
  usage: 'keys permissions [--all] [-o table|json]',
  arity: [0, 0],
  options: {
    all: { type: 'boolean', description: 'also the permissions only a login session may use' },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default) or json' },
  },
  examples: ['steward keys permissions', 'steward keys permissions --all -o json'],
  async run(session, args) {
    const format = args.choice('output', ['table', 'json'] as const);
    const client = await session.client();
    const catalogue = await client.request<{ items: CataloguePermission[] }>(
      'GET',
      '/api/v1/auth/permissions',
    );
    const items = args.flag('all') ? catalogue.items : catalogue.items.filter((item) => item.apiKey);
    if (format === 'json') {
      session.out(JSON.stringify({ ...catalogue, items }, null, 2));
      return 0;
    }
    const rows = items.map((item) => [
      item.name,
      item.roles.join(',') || NONE,
      item.apiKey ? 'yes' : item.sessionOnly ? 'session only' : 'no',
      item.description,
    ]);
    session.io.stdout.write(renderTable(['PERMISSION', 'ROLES', 'API KEY', 'ALLOWS'], rows));
    return 0;
  },
};

export const keysCommand: CommandSpec = {
  name: 'keys',
  summary: 'Create, list, rotate and revoke API keys; the permissions they may carry',
  usage: 'keys create|list|rotate|revoke|permissions',
  subcommands: [createCommand, listCommand, rotateCommand, revokeCommand, permissionsCommand],
};
