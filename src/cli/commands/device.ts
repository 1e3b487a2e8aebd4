import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { StewardClient } from '../client.js';
import type { CommandSpec, ParsedArgs } from '../command.js';
import { CliError } from '../errors.js';
import type { Writer } from '../io.js';
import { age } from '../output/age.js';
import { NONE, renderTable } from '../output/table.js';
import { toYamlStream } from '../output/yaml.js';
import type { Session } from '../session.js';

const DEVICES_PATH = '/api/v1/devices';
const LIST_FORMATS = ['table', 'json', 'yaml'] as const;

interface DeviceLogItem {
  id: string;
  state: string;
  requestedBy: string;
  requestedAt: string;
  uploadedAt?: string;
  contentType?: string;
  size?: number;
  sha256?: string;
}

/** `512 B`, `4.0 KiB`, `10.0 MiB`. Pure. */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * True when the bytes may go to a terminal as they are: text with no control character but tab,
 * line feed and carriage return (escape sequences from a device could rewrite the operator's
 * screen), and valid UTF-8. Pure.
 */
export function isTerminalSafe(bytes: Uint8Array): boolean {
  for (const byte of bytes)
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The SHA-256 (hex) of an RFC 9530 `Repr-Digest: sha-256=:<base64>:` header, if it has one. Pure. */
export function digestOf(header: string | null): string | undefined {
  const match = header ? /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):/.exec(header) : null;
  return match ? Buffer.from(match[1], 'base64').toString('hex') : undefined;
}

function logsPath(name: string): string {
  return `${DEVICES_PATH}/${encodeURIComponent(name)}/logs`;
}

async function listLogs(client: StewardClient, name: string): Promise<DeviceLogItem[]> {
  const items: DeviceLogItem[] = [];
  let token: string | undefined;
  do {
    const page = await client.request<{ items: DeviceLogItem[]; metadata?: { continue?: string } }>(
      'GET',
      logsPath(name),
      { query: { limit: 500, continue: token } },
    );
    items.push(...page.items);
    token = page.metadata?.continue;
  } while (token);
  return items;
}

async function requestLogs(session: Session, args: ParsedArgs, name: string): Promise<number> {
  const client = await session.client();
  const requested = await client.request<{ id: string; state: string; requestedAt: string }>(
    'POST',
    logsPath(name),
    { body: {} },
  );
  const format = args.choice('output', LIST_FORMATS);
  if (format === 'json') session.io.stdout.write(`${JSON.stringify(requested, null, 2)}\n`);
  else if (format === 'yaml') session.io.stdout.write(toYamlStream([requested]));
  else {
    // The id alone on stdout, so that `$(steward device logs NAME --request)` captures it.
    session.out(requested.id);
    session.err(
      `device/${name}: log bundle requested; the device uploads it at its next check-in (steward device logs ${name} --download ${requested.id})`,
    );
  }
  return 0;
}

async function downloadLogs(session: Session, name: string, id: string, file: string | undefined) {
  const client = await session.client();
  const response = await client.stream(`${logsPath(name)}/${encodeURIComponent(id)}`, { accept: '*/*' });
  const bytes = Buffer.from(await response.arrayBuffer());
  const expected = digestOf(response.headers.get('repr-digest'));
  if (expected !== undefined && createHash('sha256').update(bytes).digest('hex') !== expected)
    throw CliError.of(
      `the log bundle ${id} arrived damaged (its SHA-256 differs from the server's); try again`,
    );
  const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
  if (file === undefined) {
    const stdout = session.io.stdout as Writer & {
      isTTY?: boolean;
      write(chunk: string | Uint8Array): unknown;
    };
    if (stdout.isTTY && !isTerminalSafe(bytes))
      throw CliError.of(
        `log bundle ${id} is binary (${contentType}, ${formatBytes(bytes.byteLength)}): not written to the terminal; save it with -O FILE or redirect stdout`,
      );
    stdout.write(bytes);
    return 0;
  }
  await writeFile(file, bytes).catch((error: NodeJS.ErrnoException) => {
    throw CliError.of(`cannot write ${file}: ${error.code ?? error.message}`);
  });
  session.err(`wrote ${formatBytes(bytes.byteLength)} (${contentType}) to ${file}`);
  return 0;
}

const logsCommand: CommandSpec = {
  name: 'logs',
  summary: "List a device's log bundles, request one, or download one",
  usage: 'device logs NAME [--request | --download ID [-O FILE]] [-o table|json|yaml]',
  arity: [1, 1],
  options: {
    request: {
      type: 'boolean',
      description: 'ask the device for a bundle; it uploads at its next check-in (prints the id)',
    },
    download: {
      type: 'string',
      valueName: 'ID',
      description: 'download an uploaded bundle (to stdout, unless -O; never binary to a terminal)',
    },
    'output-file': {
      type: 'string',
      short: 'O',
      valueName: 'FILE',
      description: 'with --download: write to FILE',
    },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default), json or yaml' },
  },
  examples: [
    'steward device logs laptop-042',
    'steward device logs laptop-042 --request',
    'steward device logs laptop-042 --download 6f1c… -O laptop-042-logs.tar.gz',
  ],
  async run(session, args) {
    const [name] = args.positionals;
    const download = args.string('download');
    const file = args.string('output-file');
    if (args.flag('request') && download !== undefined)
      throw args.usage('give either --request or --download, not both');
    if (file !== undefined && download === undefined) throw args.usage('-O FILE goes with --download ID');
    if (download !== undefined) {
      if (args.string('output') !== undefined)
        throw args.usage('-o does not apply to --download (use -O FILE)');
      return downloadLogs(session, name, download, file);
    }
    if (args.flag('request')) return requestLogs(session, args, name);
    const format = args.choice('output', LIST_FORMATS);
    const items = await listLogs(await session.client(), name);
    if (format === 'json') {
      session.io.stdout.write(
        `${JSON.stringify({ apiVersion: 'steward.dev/v1', kind: 'DeviceLogList', items, metadata: {} }, null, 2)}\n`,
      );
      return 0;
    }
    if (format === 'yaml') {
      session.io.stdout.write(toYamlStream(items));
      return 0;
    }
    if (items.length === 0) {
      session.err('No log bundles found.');
      return 0;
    }
    const now = session.now();
    const rows = items.map((item) => [
      item.id,
      item.state,
      item.requestedBy,
      age(item.requestedAt, now) ?? NONE,
      age(item.uploadedAt, now) ?? NONE,
      item.contentType ?? NONE,
      item.size === undefined ? NONE : formatBytes(item.size),
    ]);
    session.io.stdout.write(
      renderTable(['ID', 'STATE', 'REQUESTED BY', 'REQUESTED', 'UPLOADED', 'TYPE', 'SIZE'], rows),
    );
    return 0;
  },
};

const approveCommand: CommandSpec = {
  name: 'approve',
  summary: 'Approve a device that enrolled with a manual enrollment token',
  usage: 'device approve NAME',
  arity: [1, 1],
  options: {},
  examples: ['steward device approve tpm-4ab14afc6f963496'],
  async run(session, args) {
    const [name] = args.positionals;
    const client = await session.client();
    const approved = await client.request<{ name: string; approvedAt: string }>(
      'POST',
      `${DEVICES_PATH}/${encodeURIComponent(name)}/approve`,
      { body: {} },
    );
    session.out(
      `device/${approved.name} approved; it collects its certificate at its next Enroll call with the same token`,
    );
    return 0;
  },
};

/**
 * `steward device …`: actions on devices beyond their manifests. A subcommand is one entry of
 * `subcommands`.
 */
export const deviceCommand: CommandSpec = {
  name: 'device',
  summary: 'Act on devices: approve them; request, list and download log bundles',
  usage: 'device approve|logs NAME ...',
  subcommands: [approveCommand, logsCommand],
};
