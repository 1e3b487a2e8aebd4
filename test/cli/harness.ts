import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { StewardServer } from '../../src/server.js';
import type { TestDatabase } from '../support/databases.js';
import { adminToken, type RunningServer, type ServerSetup, useServer } from '../support/server.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as `steward ...argv`, with buffered output and the given env and stdin. */
export async function runCli(
  argv: string[],
  options: {
    env?: Record<string, string | undefined>;
    stdin?: string;
    now?: Date;
    signal?: AbortSignal;
    onOutput?: (stdout: string) => void;
    /** stdout claims to be a terminal (progress displays redraw a line). */
    tty?: boolean;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        options.onOutput?.(stdout);
      },
      isTTY: options.tty,
    },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env ?? {},
    now: options.now ? () => options.now as Date : undefined,
    pollIntervalMs: 50,
    signal: options.signal,
  });
  return { code, stdout, stderr };
}

const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

/**
 * Runs the real binary (bin/steward.js on the compiled dist/; call ensureBuild() first) as a child
 * process; slower, so kept for smoke tests.
 */
export function spawnCli(
  argv: string[],
  env: Record<string, string>,
  stdin?: string,
  nodeFlags: string[] = [],
): Promise<CliRun> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [...nodeFlags, BIN, ...argv],
      { env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

/** A temp directory holding `files` (relative path → content); answers its path. */
export function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'steward-cli-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** A Device manifest as YAML text. */
export function deviceYaml(name: string, labels: Record<string, string> = {}, extraSpec = ''): string {
  const labelLines = Object.entries(labels)
    .map(([key, value]) => `    ${key}: ${value}\n`)
    .join('');
  return [
    'apiVersion: steward.dev/v1',
    'kind: Device',
    'metadata:',
    `  name: ${name}`,
    ...(labelLines ? [`  labels:\n${labelLines.replace(/\n$/, '')}`] : []),
    'spec:',
    '  platform: linux',
    `  permanentIdentifier: machine-${name}`,
    ...(extraSpec ? [extraSpec] : []),
    '',
  ].join('\n');
}

/** The env that points the CLI at a test server as its bootstrap admin. */
export function cliEnv(server: StewardServer, database: TestDatabase): Record<string, string> {
  return {
    STEWARD_URL: server.url,
    STEWARD_TOKEN: adminToken(server),
    STEWARD_CONFIG: join(database.dataDir, 'cli-config'),
  };
}

/** useServer(setup), by default on a fresh SQLite database, with the env pointing the CLI at it as its admin. */
export function useCliServer(
  setup: ServerSetup = {},
): RunningServer & { readonly env: Record<string, string> } {
  const suite = useServer(setup);
  return {
    get server() {
      return suite.server;
    },
    get database() {
      return suite.database;
    },
    get env() {
      return cliEnv(suite.server, suite.database);
    },
  };
}
