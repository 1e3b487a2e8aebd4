import type { CommandSpec } from '../command.js';
import type { CliContext } from '../config-file.js';
import { CliError } from '../errors.js';
import { renderTable } from '../output/table.js';

function checkServer(server: string, usage: (reason: string) => Error): string {
  try {
    const url = new URL(server);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw usage(`--server must be an http(s) URL, got "${server}"`);
  }
  return server.replace(/\/+$/, '');
}

const useContextCommand: CommandSpec = {
  name: 'use-context',
  summary: 'Make a context the current one',
  usage: 'config use-context NAME',
  arity: [1, 1],
  examples: ['steward config use-context prod'],
  async run(session, args) {
    const [name] = args.positionals;
    const config = await session.loadConfig();
    if (!config.contexts.some((context) => context.name === name))
      throw CliError.of(`no context named "${name}" in ${session.configPath}`);
    config.currentContext = name;
    await session.saveConfig(config);
    session.out(`Switched to context "${name}".`);
    return 0;
  },
};

const getContextsCommand: CommandSpec = {
  name: 'get-contexts',
  summary: 'List the contexts of the config file (tokens are never printed)',
  usage: 'config get-contexts',
  arity: [0, 0],
  examples: ['steward config get-contexts'],
  async run(session) {
    const config = await session.loadConfig();
    if (config.contexts.length === 0) {
      session.err(`No contexts in ${session.configPath}.`);
      return 0;
    }
    const rows = config.contexts.map((context) => [
      context.name === config.currentContext ? '*' : '',
      context.name,
      context.server,
      context.tenant ?? '',
      context.token ? 'yes' : 'no',
    ]);
    session.io.stdout.write(renderTable(['CURRENT', 'NAME', 'SERVER', 'TENANT', 'CREDENTIAL'], rows));
    return 0;
  },
};

const currentContextCommand: CommandSpec = {
  name: 'current-context',
  summary: 'Print the name of the current context',
  usage: 'config current-context',
  arity: [0, 0],
  async run(session) {
    const config = await session.loadConfig();
    if (!config.currentContext) throw CliError.of('no current context is set');
    session.out(config.currentContext);
    return 0;
  },
};

const setContextCommand: CommandSpec = {
  name: 'set-context',
  summary: 'Create or change a context (server and tenant); the first one becomes current',
  usage: 'config set-context NAME --server URL [--tenant T]',
  arity: [1, 1],
  options: { tenant: { type: 'string', valueName: 'TENANT', description: 'the tenant of this context' } },
  examples: ['steward config set-context prod --server https://steward.example.com --tenant acme'],
  async run(session, args) {
    const [name] = args.positionals;
    const config = await session.loadConfig();
    const existing = config.contexts.find((context) => context.name === name);
    const serverFlag = args.string('server');
    if (!existing && !serverFlag) throw args.usage(`--server is required for a new context`);
    const server = serverFlag ? checkServer(serverFlag, (reason) => args.usage(reason)) : undefined;
    const context: CliContext = existing ?? { name, server: server as string };
    // A credential belongs to one server and tenant: moving the context elsewhere drops it.
    if (server && context.server !== server) delete context.token;
    if (server) context.server = server;
    const tenant = args.string('tenant');
    if (tenant !== undefined && tenant !== context.tenant) {
      delete context.token;
      context.tenant = tenant;
    }
    if (!existing) config.contexts.push(context);
    config.currentContext ??= name;
    await session.saveConfig(config);
    session.out(`Context "${name}" ${existing ? 'modified' : 'created'}.`);
    return 0;
  },
};

export const configCommand: CommandSpec = {
  name: 'config',
  summary: `Manage contexts (server, tenant, token) in the config file`,
  usage: 'config use-context|get-contexts|current-context|set-context',
  subcommands: [useContextCommand, getContextsCommand, currentContextCommand, setContextCommand],
};
