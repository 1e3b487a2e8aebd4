import { packageVersion } from '../../package-root.js';
import type { CommandSpec } from '../command.js';

/**
 * `steward version`: the CLI's own version only. It never asks a server: the server serves no
 * version route, and a command that answers offline cannot hang on an unreachable context.
 */
export const versionCommand: CommandSpec = {
  name: 'version',
  summary: 'Print the version of this CLI',
  usage: 'version',
  arity: [0, 0],
  examples: ['steward version', 'steward --version'],
  async run(session) {
    session.out(`steward ${packageVersion()}`);
    return 0;
  },
};
