import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from './command.js';

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : '    ';
    const value = option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : '';
    const repeat = option.multiple ? ' (repeatable)' : '';
    return [`  ${short}--${name}${value}`, `${option.description}${repeat}`];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `${flag.padEnd(width)}   ${description}`);
}

/** The `--help` text of a command or group. Pure. */
export function commandHelp(command: CommandSpec, path: string): string {
  const lines = [command.summary, '', 'Usage:', `  steward ${command.usage}`];
  if (command.subcommands?.length) {
    lines.push('', 'Commands:');
    const width = Math.max(...command.subcommands.map((sub) => sub.name.length));
    for (const sub of command.subcommands) lines.push(`  ${sub.name.padEnd(width)}   ${sub.summary}`);
  }
  if (command.options && Object.keys(command.options).length > 0) {
    lines.push('', 'Options:', ...optionLines(command.options));
  }
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  if (command.examples?.length) {
    lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  }
  if (command.subcommands?.length)
    lines.push('', `Run 'steward ${path} COMMAND --help' for a command's usage.`);
  return `${lines.join('\n')}\n`;
}

/** The top-level `steward --help`. Pure. */
export function rootHelp(commands: readonly Pick<CommandSpec, 'name' | 'summary'>[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'steward: declarative control plane for device trust and updates',
    '',
    'Usage:',
    '  steward COMMAND [ARGS] [flags]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}   ${command.summary}`),
    '',
    'Global options:',
    ...optionLines({
      ...GLOBAL_OPTIONS,
      version: { type: 'boolean', description: 'print the version' },
    }),
    '',
    'Environment: STEWARD_URL, STEWARD_TOKEN (override the current context), STEWARD_CONFIG (config file).',
    "Run 'steward COMMAND --help' for a command's usage.",
    '',
  ].join('\n');
}
