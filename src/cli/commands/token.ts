import { parseDuration } from '../../contract/duration.js';
import type { TokenView } from '../../contract/federation.js';
import type { CommandSpec } from '../command.js';
import { age } from '../output/age.js';
import { NONE, renderTable } from '../output/table.js';

/** The token, only in the answer of create. */
type TokenAnswer = TokenView & { token?: string };

/** The longest a personal token lives (the server refuses more). */
const MAX_TTL_SECONDS = 12 * 3600;

/** `8h`, `90m`, `3600s` → seconds; undefined when malformed or not whole seconds. Pure. */
export function parseTtl(text: string): number | undefined {
  const ms = parseDuration(text.trim());
  return ms !== undefined && ms % 1000 === 0 && ms > 0 ? ms / 1000 : undefined;
}

const createCommand: CommandSpec = {
  name: 'create',
  summary: 'Create a short-lived token for yourself (needs a login session); prints it once',
  usage: 'token create [--ttl 1h] [--permission P]... [--description TEXT]',
  arity: [0, 0],
  options: {
    ttl: { type: 'string', valueName: 'DURATION', description: 'lifetime, at most 12h (default 1h)' },
    permission: {
      type: 'string',
      multiple: true,
      valueName: 'PERM',
      description: 'a permission it carries, among yours (default: all of yours but the session-only ones)',
    },
    description: { type: 'string', valueName: 'TEXT', description: 'what the token is for' },
  },
  examples: [
    'steward token create --ttl 8h --permission devices:read',
    'export STEWARD_TOKEN=$(steward token create --ttl 30m --permission rollouts:approve)',
  ],
  async run(session, args) {
    const ttlText = args.string('ttl');
    const ttlSeconds = ttlText === undefined ? undefined : parseTtl(ttlText);
    if (
      ttlText !== undefined &&
      (ttlSeconds === undefined || ttlSeconds < 60 || ttlSeconds > MAX_TTL_SECONDS)
    )
      throw args.usage('--ttl takes a duration from 1m to 12h, e.g. 30m or 8h');
    const permissions = args.strings('permission');
    const client = await session.client();
    const created = await client.request<TokenAnswer>('POST', '/api/v1/auth/tokens', {
      body: {
        ttlSeconds,
        permissions: permissions.length ? permissions : undefined,
        description: args.string('description'),
      },
    });
    session.err(
      `token ${created.id} created, expires ${created.expiresAt}; permissions: ${created.permissions.length ? created.permissions.join(', ') : 'those of your role'}`,
    );
    // Alone on stdout, so that $(steward token create) captures just the token.
    session.out(created.token ?? '');
    session.err('Copy this token now: it will not be shown again.');
    return 0;
  },
};

const listCommand: CommandSpec = {
  name: 'list',
  summary: 'List live short-lived tokens: yours, or with keys:admin every one of the tenant',
  usage: 'token list [-o table|json]',
  arity: [0, 0],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default) or json' },
  },
  examples: ['steward token list'],
  async run(session, args) {
    const format = args.choice('output', ['table', 'json'] as const);
    const client = await session.client();
    const list = await client.request<{ items: TokenView[] }>('GET', '/api/v1/auth/tokens');
    if (format === 'json') {
      session.out(JSON.stringify(list, null, 2));
      return 0;
    }
    if (list.items.length === 0) {
      session.err('No live tokens.');
      return 0;
    }
    const now = session.now();
    const rows = list.items.map((token) => [
      token.id,
      token.type,
      token.name,
      token.user ?? token.subject ?? NONE,
      token.permissions.length ? token.permissions.join(',') : 'role',
      age(token.createdAt, now) ?? NONE,
      token.expiresAt,
    ]);
    session.io.stdout.write(
      renderTable(['ID', 'TYPE', 'NAME', 'FOR', 'PERMISSIONS', 'AGE', 'EXPIRES'], rows),
    );
    return 0;
  },
};

const revokeCommand: CommandSpec = {
  name: 'revoke',
  summary: 'Revoke a token (yours, or any with keys:admin); it is refused from the next request on',
  usage: 'token revoke ID',
  arity: [1, 1],
  examples: ['steward token revoke 3f2a9c0d11e4b5a6'],
  async run(session, args) {
    const client = await session.client();
    await client.request('DELETE', `/api/v1/auth/tokens/${encodeURIComponent(args.positionals[0])}`);
    session.out(`token ${args.positionals[0]} revoked`);
    return 0;
  },
};

export const tokenCommand: CommandSpec = {
  name: 'token',
  summary: 'Create, list and revoke short-lived tokens (personal, and those minted by trust policies)',
  usage: 'token create|list|revoke',
  subcommands: [createCommand, listCommand, revokeCommand],
};
