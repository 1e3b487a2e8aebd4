import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

/** Where the CLI talks to when nothing says otherwise. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** One server + tenant + credential, like a kubeconfig context. */
export interface CliContext {
  name: string;
  server: string;
  tenant?: string;
  /** A session token (`sts_`) from login, or an API key. Secret: the file is 0600. */
  token?: string;
}

/** The config file: `{currentContext, contexts}`. */
export interface CliConfig {
  currentContext?: string;
  contexts: CliContext[];
}

/** `$STEWARD_CONFIG`, else `~/.steward/config`. */
export function configPath(env: Record<string, string | undefined>): string {
  if (env.STEWARD_CONFIG) return env.STEWARD_CONFIG;
  return join(env.HOME || homedir(), '.steward', 'config');
}

/** Reads the config file; a missing file is an empty config. */
export async function loadConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: [] };
    throw CliError.of(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  // yaml is imported here, not at the top: commands that never read the config (--help, version)
  // must not pay for loading it.
  const { parse } = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw CliError.of(`the config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return checkConfig(raw, path);
}

function checkConfig(raw: unknown, path: string): CliConfig {
  const invalid = (why: string) => CliError.of(`the config file ${path} is invalid: ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('expected a mapping');
  const { currentContext, contexts = [] } = raw as { currentContext?: unknown; contexts?: unknown };
  if (currentContext !== undefined && currentContext !== null && typeof currentContext !== 'string')
    throw invalid('currentContext must be a string');
  if (!Array.isArray(contexts)) throw invalid('contexts must be a list');
  const checked = contexts.map((context: unknown, index): CliContext => {
    const entry = context as Partial<CliContext> | null;
    if (!entry || typeof entry.name !== 'string' || typeof entry.server !== 'string')
      throw invalid(`contexts[${index}] needs a name and a server`);
    return {
      name: entry.name,
      server: entry.server,
      ...(typeof entry.tenant === 'string' ? { tenant: entry.tenant } : {}),
      ...(typeof entry.token === 'string' ? { token: entry.token } : {}),
    };
  });
  return { ...(typeof currentContext === 'string' ? { currentContext } : {}), contexts: checked };
}

/**
 * Writes the config file readable by its owner only (it holds tokens): directory 0700, file 0600,
 * replaced atomically so that a crash never leaves half a file.
 */
export async function saveConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  // A stable key order keeps the file readable and diffs of it small.
  const ordered = {
    currentContext: config.currentContext,
    contexts: config.contexts.map(({ name, server, tenant, token }) => ({ name, server, tenant, token })),
  };
  const { stringify } = await import('yaml');
  await writeFile(temporary, stringify(ordered), { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** The current context, if one is set and exists. */
export function currentContext(config: CliConfig): CliContext | undefined {
  return config.contexts.find((context) => context.name === config.currentContext);
}

/** Where and as whom the CLI connects, after flags, environment and file. */
export interface Connection {
  server: string;
  token?: string;
  tenant?: string;
  context?: CliContext;
}

/** Trailing slashes never make two servers different. */
export function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/**
 * `--server` beats `STEWARD_URL` beats the current context beats the default; `STEWARD_TOKEN`
 * beats the context's token. A context's token is only sent to that context's own server, so
 * that pointing `--server` elsewhere never leaks it. Pure.
 */
export function resolveConnection(
  config: CliConfig,
  env: Record<string, string | undefined>,
  serverFlag?: string,
): Connection {
  const context = currentContext(config);
  const server = serverFlag || env.STEWARD_URL || context?.server || DEFAULT_SERVER;
  const contextToken = context && sameServer(context.server, server) ? context.token : undefined;
  return {
    server: server.replace(/\/+$/, ''),
    token: env.STEWARD_TOKEN || contextToken,
    tenant: context && sameServer(context.server, server) ? context.tenant : undefined,
    context,
  };
}
