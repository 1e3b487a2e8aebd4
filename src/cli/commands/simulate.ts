import { readFile } from 'node:fs/promises';
import { parseDuration } from '../../contract/duration.js';
import type { FleetStats, LatencySummary, SimulatedFleet } from '../../device-agent/fleet.js';
import type { CommandSpec, ParsedArgs } from '../command.js';
import { CliError } from '../errors.js';
import type { Session } from '../session.js';

/** What `GET /api/v1/device-api` answers. */
interface DeviceApi {
  url: string;
  trustPem: string;
}

/** Where the fleet connects: the flags, else what the server says. */
async function deviceApi(session: Session, args: ParsedArgs): Promise<DeviceApi> {
  const url = args.string('device-api');
  const caFile = args.string('ca-file');
  const trustPem =
    caFile === undefined
      ? undefined
      : await readFile(caFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw CliError.of(`cannot read ${caFile}: ${error.code ?? error.message}`);
        });
  if (url !== undefined && trustPem !== undefined) return { url, trustPem };
  const served = await (await session.client()).request<DeviceApi>('GET', '/api/v1/device-api');
  return { url: url ?? served.url, trustPem: trustPem ?? served.trustPem };
}

/** What `GET /api/v1/signing-keys` answers (the fields a device uses). */
interface SigningKeyList {
  items: Array<{ keyId: string; algorithm?: string; publicKeyPem: string }>;
}

/**
 * The tenant's update-signing keys: from `--signing-keys FILE` (what `steward signing-keys list
 * -o json` prints), else fetched with the CLI's credential when the first assignment needs them
 * (a fleet that is never assigned anything makes no REST call).
 */
async function signingKeysOf(
  session: Session,
  args: ParsedArgs,
): Promise<SigningKeyList['items'] | (() => Promise<SigningKeyList['items']>)> {
  const file = args.string('signing-keys');
  if (file === undefined)
    return async () =>
      (await (await session.client()).request<SigningKeyList>('GET', '/api/v1/signing-keys')).items;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw CliError.of(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  let list: Partial<SigningKeyList> | undefined;
  try {
    list = JSON.parse(text) as Partial<SigningKeyList>;
  } catch {
    // answered below
  }
  if (!Array.isArray(list?.items))
    throw CliError.of(`${file} is not a SigningKeyList (steward signing-keys list -o json)`);
  return list.items;
}

function durationFlag(args: ParsedArgs, name: string, fallback: string): number {
  const text = args.string(name) ?? fallback;
  const ms = text === '0' ? 0 : parseDuration(text);
  if (ms === undefined) throw args.usage(`--${name} takes a duration such as 500ms, 5s or 2m, got "${text}"`);
  return ms;
}

function countFlag(args: ParsedArgs, name: string, fallback?: number): number {
  const text = args.string(name);
  if (text === undefined) {
    if (fallback === undefined) throw args.usage(`--${name} is required`);
    return fallback;
  }
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1)
    throw args.usage(`--${name} takes a whole number of at least 1, got "${text}"`);
  return value;
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
const latency = (summary: LatencySummary) =>
  summary.count === 0 ? 'none' : `p50 ${ms(summary.p50)}, p99 ${ms(summary.p99)}, max ${ms(summary.max)}`;
const errorsText = (errors: Record<string, number>) =>
  Object.keys(errors).length === 0
    ? 'none'
    : Object.entries(errors)
        .map(([key, count]) => `${key} ${count}`)
        .join(', ');

/** One progress line: totals and the check-in rate since the last line. Pure. */
export function progressLine(
  stats: FleetStats,
  elapsedMs: number,
  previous: { checkIns: number; elapsedMs: number },
): string {
  const seconds = (elapsedMs - previous.elapsedMs) / 1000;
  const rate = seconds > 0 ? (stats.checkIns - previous.checkIns) / seconds : 0;
  const errors = Object.values(stats.errors).reduce((sum, count) => sum + count, 0);
  return (
    `[${Math.round(elapsedMs / 1000)}s] enrolled ${stats.enrolled}/${stats.devices}, check-ins ${stats.checkIns}` +
    ` (${rate.toFixed(1)}/s), errors ${errors}, check-in ${latency(stats.checkInLatency)}`
  );
}

/** The summary printed at the end. Pure. */
export function summaryLines(stats: FleetStats, elapsedMs: number): string[] {
  const seconds = elapsedMs / 1000;
  return [
    `devices:          ${stats.devices} (enrolled ${stats.enrolled}, waiting for approval ${stats.pendingApproval})`,
    `check-ins:        ${stats.checkIns} in ${seconds.toFixed(1)}s (${(stats.checkIns / Math.max(seconds, 0.001)).toFixed(1)}/s)`,
    `check-in latency: ${latency(stats.checkInLatency)}`,
    `enroll latency:   ${latency(stats.enrollLatency)}`,
    `updates:          succeeded ${stats.updatesSucceeded}, failed ${stats.updatesFailed}, refused ${stats.updatesRefused}`,
    `log uploads:      ${stats.logUploads}`,
    `renewals:         ${stats.renewals}`,
    `errors:           ${errorsText(stats.errors)}`,
  ];
}

export const simulateCommand: CommandSpec = {
  name: 'simulate',
  summary: 'Run a simulated fleet of devices against the device API (enroll, check in, report)',
  usage:
    'simulate --devices N --enroll-token TOKEN [--checkin-interval 5s] [--failure-rate 0.05] [--duration 60s] [--platform linux] [--prefix sim] [--concurrency 50] [--device-api URL --ca-file PEM] [--signing-keys FILE] [-o json]',
  arity: [0, 0],
  options: {
    devices: { type: 'string', valueName: 'N', description: 'how many devices to simulate' },
    'enroll-token': {
      type: 'string',
      valueName: 'TOKEN',
      description: 'an enrollment token with at least N uses (steward enroll-tokens create --uses N)',
    },
    'checkin-interval': {
      type: 'string',
      valueName: 'DURATION',
      description: 'between two check-ins of a device, ±10% jitter (default 5s; 0: back to back)',
    },
    'failure-rate': {
      type: 'string',
      valueName: 'SHARE',
      description: 'share of verified updates whose install fails (reported FAILED), 0 to 1 (default 0.05)',
    },
    duration: {
      type: 'string',
      valueName: 'DURATION',
      description: 'stop after this long, enrollment included (default 60s; 0: until Ctrl-C)',
    },
    platform: { type: 'string', valueName: 'NAME', description: 'the devices’ platform (default linux)' },
    prefix: {
      type: 'string',
      valueName: 'TEXT',
      description: 'devices are named PREFIX-1 … PREFIX-N (default sim)',
    },
    concurrency: {
      type: 'string',
      valueName: 'N',
      description: 'enrollments in flight at once (default 50)',
    },
    progress: {
      type: 'string',
      valueName: 'DURATION',
      description: 'between two progress lines on stderr (default 5s; 0: none)',
    },
    'device-api': {
      type: 'string',
      valueName: 'URL',
      description: 'the device API (default: what GET /api/v1/device-api answers)',
    },
    'ca-file': {
      type: 'string',
      valueName: 'FILE',
      description: 'PEM the devices trust to reach it (default: from GET /api/v1/device-api)',
    },
    'signing-keys': {
      type: 'string',
      valueName: 'FILE',
      description:
        'the update-signing keys assignments are verified with, as `steward signing-keys list -o json` prints them (default: GET /api/v1/signing-keys when first needed)',
    },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'text (default) or json' },
  },
  examples: [
    'steward simulate --devices 100 --enroll-token "$(steward enroll-tokens create --ca fleet-issuing --uses 100)"',
    'steward simulate --devices 1000 --enroll-token "$TOKEN" --checkin-interval 30s --duration 10m --prefix lab',
    'steward simulate --devices 5 --enroll-token "$TOKEN" --device-api https://127.0.0.1:8443 --ca-file device-api.pem',
  ],
  async run(session, args) {
    const devices = countFlag(args, 'devices');
    const enrollToken = args.string('enroll-token');
    if (!enrollToken) throw args.usage('--enroll-token is required (steward enroll-tokens create)');
    const failureRate = Number(args.string('failure-rate') ?? '0.05');
    if (!(failureRate >= 0 && failureRate <= 1))
      throw args.usage(`--failure-rate takes a share from 0 to 1, got "${args.string('failure-rate')}"`);
    const checkInIntervalMs = durationFlag(args, 'checkin-interval', '5s');
    const durationMs = durationFlag(args, 'duration', '60s');
    const progressMs = durationFlag(args, 'progress', '5s');
    const concurrency = countFlag(args, 'concurrency', 50);
    const format = args.choice('output', ['text', 'json'] as const);
    const signingKeys = await signingKeysOf(session, args);
    const api = await deviceApi(session, args);

    // Loaded here: the gRPC client and x509 code are needed by this command only.
    const { SimulatedFleet } = await import('../../device-agent/fleet.js');
    const fleet: SimulatedFleet = new SimulatedFleet({
      url: api.url,
      trustPem: api.trustPem,
      enrollToken,
      devices,
      prefix: args.string('prefix') ?? 'sim',
      platform: args.string('platform') ?? 'linux',
      concurrency,
      checkInIntervalMs,
      failureRate,
      signingKeys,
    });
    const stops = [session.io.signal, durationMs > 0 ? AbortSignal.timeout(durationMs) : undefined];
    const stop = AbortSignal.any(stops.filter((signal): signal is AbortSignal => signal !== undefined));
    const started = performance.now();
    let previous = { checkIns: 0, elapsedMs: 0 };
    const progress =
      progressMs > 0
        ? setInterval(() => {
            const elapsedMs = performance.now() - started;
            session.err(progressLine(fleet.stats(), elapsedMs, previous));
            previous = { checkIns: fleet.stats().checkIns, elapsedMs };
          }, progressMs)
        : undefined;
    try {
      await fleet.enroll(stop);
      if (!stop.aborted) await fleet.run(stop);
    } finally {
      clearInterval(progress);
      fleet.close();
    }
    const stats = fleet.stats();
    const elapsedMs = performance.now() - started;
    if (format === 'json') session.out(JSON.stringify({ ...stats, elapsedMs: Math.round(elapsedMs) }));
    else for (const line of summaryLines(stats, elapsedMs)) session.out(line);
    if (devices > 0 && stats.enrolled === 0 && stats.pendingApproval === 0) {
      session.err(`error: no device enrolled (${errorsText(stats.errors)})`);
      return 1;
    }
    return 0;
  },
};
