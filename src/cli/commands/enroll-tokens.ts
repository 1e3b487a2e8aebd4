import type { CommandSpec } from '../command.js';
import { formatDuration } from '../output/age.js';
import { printable } from '../output/printable.js';
import { NONE, renderTable } from '../output/table.js';

/** An enrollment token as the API answers it (src/devices/enroll-token-rules.ts, EnrollTokenView). */
interface EnrollToken {
  id: string;
  description?: string | null;
  maxUses: number;
  uses: number;
  remaining?: number;
  expiresAt: string;
  expired?: boolean;
  labels?: Record<string, string>;
  caRef: string;
  approval: string;
  createdBy?: string;
  createdAt?: string;
  /** The plaintext, only in the answer of create. */
  token?: string;
}

/**
 * `--label k=v` flags as a map; a repeated key or a flag without `=` is a usage error (the
 * server checks the key and value rules and answers every problem). Pure.
 */
export function parseLabelFlags(
  flags: readonly string[],
): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0) return { error: `--label takes KEY=VALUE, got "${flag}"` };
    const key = flag.slice(0, at);
    if (Object.hasOwn(labels, key)) return { error: `--label ${key} is given twice` };
    labels[key] = flag.slice(at + 1);
  }
  return { labels };
}

/** `k=v,k2=v2`, sorted by key; NONE when there are none. Pure. */
export function labelsText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? NONE : entries.map(([key, value]) => `${key}=${value}`).join(',');
}

/** `in 23h`, `expired 2h ago`: the EXPIRES column (the server says whether it expired). Pure. */
export function expiresText(token: Pick<EnrollToken, 'expiresAt' | 'expired'>, now: Date): string {
  const left = Date.parse(token.expiresAt) - now.getTime();
  if (Number.isNaN(left)) return token.expiresAt;
  const expired = token.expired ?? left <= 0;
  return expired
    ? `expired ${formatDuration(Math.max(0, -left))} ago`
    : `in ${formatDuration(Math.max(0, left))}`;
}

const createCommand: CommandSpec = {
  name: 'create',
  summary: 'Create an enrollment token (needs a login session); prints its plaintext once',
  usage:
    'enroll-tokens create --ca NAME [--uses N] [--expires 24h] [--label KEY=VALUE]... [--approval auto|manual] [--description TEXT] [-o json]',
  arity: [0, 0],
  options: {
    ca: {
      type: 'string',
      valueName: 'NAME',
      description: 'the CertificateAuthority that issues enrolled devices’ identities',
    },
    uses: { type: 'string', valueName: 'N', description: 'how many devices may enroll with it (default 1)' },
    expires: {
      type: 'string',
      valueName: 'DURATION',
      description: 'lifetime, e.g. 24h (default), 7d, at most 8760h; or an RFC 3339 time',
    },
    label: {
      type: 'string',
      multiple: true,
      valueName: 'KEY=VALUE',
      description: 'a label every enrolled device gets (repeatable)',
    },
    approval: {
      type: 'string',
      valueName: 'MODE',
      description: 'auto (default): enrolled devices are approved; manual: they wait for approval',
    },
    description: { type: 'string', valueName: 'TEXT', description: 'a note for operators' },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'text (default) or json' },
  },
  examples: [
    'steward enroll-tokens create --ca fleet-issuing',
    'steward enroll-tokens create --ca fleet-issuing --uses 50 --expires 72h --label team=infra --approval manual --description "lab laptops"',
    'TOKEN=$(steward enroll-tokens create --ca fleet-issuing)',
  ],
  async run(session, args) {
    const ca = args.string('ca');
    if (!ca) throw args.usage('--ca is required (the CertificateAuthority of enrolled devices)');
    const format = args.choice('output', ['text', 'json'] as const);
    const usesText = args.string('uses');
    const maxUses = usesText === undefined ? undefined : Number(usesText);
    if (
      usesText !== undefined &&
      !(/^\d+$/.test(usesText) && Number.isSafeInteger(maxUses) && (maxUses as number) > 0)
    )
      throw args.usage(`--uses takes a whole number of at least 1, got "${usesText}"`);
    const approval =
      args.string('approval') === undefined
        ? undefined
        : args.choice('approval', ['auto', 'manual'] as const);
    const labels = parseLabelFlags(args.strings('label'));
    if ('error' in labels) throw args.usage(labels.error);
    const expires = args.string('expires');
    // A time (it has a date) is sent as expiresAt; anything else as a duration for the server to check.
    const expiry =
      expires === undefined ? {} : /^\d{4}-/.test(expires) ? { expiresAt: expires } : { expiresIn: expires };
    const client = await session.client();
    const token = await client.request<EnrollToken>('POST', '/api/v1/enroll-tokens', {
      body: {
        caRef: ca,
        maxUses,
        ...expiry,
        labels: Object.keys(labels.labels).length > 0 ? labels.labels : undefined,
        approval,
        description: args.string('description'),
      },
    });
    if (format === 'json') {
      session.out(JSON.stringify(token, null, 2));
      return 0;
    }
    // The plaintext alone on stdout (so `$(steward enroll-tokens create ...)` captures just it).
    session.err(
      `enrollment token ${token.id} created: CA ${printable(token.caRef)}, ${token.maxUses} use${token.maxUses === 1 ? '' : 's'}, approval ${printable(token.approval)}, expires ${token.expiresAt}`,
    );
    session.out(token.token ?? '');
    session.err('Copy this token now: it will not be shown again.');
    return 0;
  },
};

const listCommand: CommandSpec = {
  name: 'list',
  summary: 'List enrollment tokens (never their plaintext)',
  usage: 'enroll-tokens list [-o table|json]',
  arity: [0, 0],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default) or json' },
  },
  examples: ['steward enroll-tokens list'],
  async run(session, args) {
    const format = args.choice('output', ['table', 'json'] as const);
    const client = await session.client();
    const list = await client.request<{ items: EnrollToken[] }>('GET', '/api/v1/enroll-tokens');
    if (format === 'json') {
      session.out(JSON.stringify(list, null, 2));
      return 0;
    }
    if (list.items.length === 0) {
      session.err('No enrollment tokens.');
      return 0;
    }
    const now = session.now();
    const rows = list.items.map((token) => [
      token.id,
      token.description || NONE,
      token.caRef,
      `${token.uses}/${token.maxUses}`,
      expiresText(token, now),
      token.approval,
      labelsText(token.labels),
    ]);
    session.io.stdout.write(
      renderTable(['ID', 'DESCRIPTION', 'CA', 'USES', 'EXPIRES', 'APPROVAL', 'LABELS'], rows),
    );
    return 0;
  },
};

const deleteCommand: CommandSpec = {
  name: 'delete',
  summary: 'Delete an enrollment token; devices can no longer enroll with it',
  usage: 'enroll-tokens delete ID',
  arity: [1, 1],
  examples: ['steward enroll-tokens delete 3f2a9c0d1e2b4a5f'],
  async run(session, args) {
    const client = await session.client();
    await client.request('DELETE', `/api/v1/enroll-tokens/${encodeURIComponent(args.positionals[0])}`);
    session.out(`enrollment token ${printable(args.positionals[0])} deleted`);
    return 0;
  },
};

export const enrollTokensCommand: CommandSpec = {
  name: 'enroll-tokens',
  summary: 'Create, list and delete enrollment tokens for devices (session only)',
  usage: 'enroll-tokens create|list|delete',
  subcommands: [createCommand, listCommand, deleteCommand],
};
