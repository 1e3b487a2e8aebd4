import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { Session } from './session.js';

/** One flag of a command, as util.parseArgs takes it plus what `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help after the flag: `--output FORMAT`. */
  valueName?: string;
}

/** A command or command group; groups have subcommands and may run themselves too (`journal`). */
export interface CommandSpec {
  name: string;
  summary: string;
  /** After `steward `, e.g. `get KIND [NAME] [flags]`. */
  usage: string;
  options?: Record<string, OptionSpec>;
  /** Accepted positional arguments: [min, max]. */
  arity?: [number, number];
  examples?: string[];
  subcommands?: CommandSpec[];
  /** Answers the exit code; failures are thrown as CliError. */
  run?: (session: Session, args: ParsedArgs) => Promise<number>;
}

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  server: {
    type: 'string',
    valueName: 'URL',
    description: 'Steward server URL (overrides STEWARD_URL and the context)',
  },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Parsed flags and positionals with typed accessors. */
export class ParsedArgs {
  constructor(
    readonly positionals: string[],
    private readonly values: Record<string, string | boolean | Array<string | boolean> | undefined>,
    readonly commandPath: string,
  ) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  strings(name: string): string[] {
    const value = this.values[name];
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
    return typeof value === 'string' ? [value] : [];
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A string flag restricted to `allowed`; the first is the default. */
  choice<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value = this.string(name) ?? fallback ?? allowed[0];
    if (!allowed.includes(value as T))
      throw new UsageError(
        `--${name} must be one of ${allowed.join(', ')}, got "${value}"`,
        this.commandPath,
      );
    return value as T;
  }

  /** A usage error of this command. */
  usage(reason: string): UsageError {
    return new UsageError(reason, this.commandPath);
  }
}

/** Parses argv (after the command words) against the command's flags and the global ones. */
export function parseCommandArgs(command: CommandSpec, argv: string[], commandPath: string): ParsedArgs {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(
      (error as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '.'),
      commandPath,
    );
  }
  const args = new ParsedArgs(parsed.positionals, parsed.values, commandPath);
  if (!args.flag('help') && command.arity) {
    const [min, max] = command.arity;
    const count = parsed.positionals.length;
    if (count < min) throw new UsageError(`missing arguments: steward ${command.usage}`, commandPath);
    if (count > max)
      throw new UsageError(
        `unexpected argument "${parsed.positionals[max]}": steward ${command.usage}`,
        commandPath,
      );
  }
  return args;
}
