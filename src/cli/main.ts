import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../package-root.js';
import { type CommandSpec, parseCommandArgs } from './command.js';
import { COMMAND_TABLE } from './command-table.js';
import { CliError, UsageError } from './errors.js';
import { commandHelp, rootHelp } from './help.js';
import type { CliIo } from './io.js';
import { printableLines } from './output/printable.js';

// Only light modules are imported above: everything a command needs (the session, the HTTP
// client, yaml) is loaded once argv names that command, so `--help` and `version` stay fast.

/**
 * Splits argv into the command path (`journal export`) and the rest. Only global flags may come
 * before the command word; a group's subcommand must follow its name.
 */
async function findCommand(
  argv: string[],
): Promise<{ path: CommandSpec[]; rest: string[]; globals: string[] }> {
  const globals: string[] = [];
  let index = 0;
  while (index < argv.length && argv[index].startsWith('-')) {
    const arg = argv[index];
    if (arg === '--server') globals.push(arg, argv[++index] ?? '');
    else if (['--help', '-h', '--version'].includes(arg) || arg.startsWith('--server=')) globals.push(arg);
    else throw new UsageError(`unknown flag "${arg}" before the command`);
    index++;
  }
  const path: CommandSpec[] = [];
  const entry = COMMAND_TABLE.find((command) => command.name === argv[index]);
  if (entry) {
    path.push(await entry.load());
    index++;
  }
  let choices = path[0]?.subcommands;
  while (choices && index < argv.length) {
    const found = choices.find((command) => command.name === argv[index]);
    if (!found) break;
    path.push(found);
    index++;
    choices = found.subcommands;
  }
  if (path.length === 0 && index < argv.length) throw new UsageError(`unknown command "${argv[index]}"`);
  return { path, rest: [...globals, ...argv.slice(index)], globals };
}

/**
 * Runs the CLI with `argv` (without node and script) and answers the exit code: 0 ok, 1 the
 * operation failed, 2 the command line was wrong. Prints errors, never throws them.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const { path, rest, globals } = await findCommand(argv);
    if (path.length === 0) {
      if (globals.includes('--version')) {
        io.stdout.write(`steward ${packageVersion()}\n`);
        return 0;
      }
      const asked = globals.includes('--help') || globals.includes('-h');
      (asked ? io.stdout : io.stderr).write(rootHelp(COMMAND_TABLE));
      return asked ? 0 : 2;
    }
    const command = path[path.length - 1];
    const pathName = path.map((part) => part.name).join(' ');
    const args = parseCommandArgs(command, rest, pathName);
    if (args.flag('help')) {
      io.stdout.write(commandHelp(command, pathName));
      return 0;
    }
    if (!command.run) {
      const given = args.positionals[0];
      throw new UsageError(
        given ? `unknown command "${pathName} ${given}"` : `${pathName} needs a command`,
        pathName,
      );
    }
    const { Session } = await import('./session.js');
    return await command.run(new Session(io, args.string('server')), args);
  } catch (error) {
    if (error instanceof CliError) {
      // The server's messages may quote what a user sent: shown escaped (output/printable.ts).
      io.stderr.write(`${printableLines(error.lines.join('\n'))}\n`);
      return error.exitCode;
    }
    // A bug of the CLI itself: one line, no stack trace unless asked for.
    io.stderr.write(`error: ${printableLines((error as Error)?.message ?? String(error))}\n`);
    if (io.env.STEWARD_DEBUG) io.stderr.write(`${(error as Error)?.stack}\n`);
    return 1;
  }
}

/** Runs the CLI as the process (bin/steward.js and `npm run steward`). */
export async function runFromProcess(): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    // A second Ctrl-C, or a command that does not watch the signal, ends the process at once.
    process.once('SIGINT', () => process.exit(130));
    setTimeout(() => process.exit(130), 300).unref();
  });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0); // `steward get ... | head`
  });
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: controller.signal,
  });
}

const entry = process.argv[1] ? resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) await runFromProcess();
