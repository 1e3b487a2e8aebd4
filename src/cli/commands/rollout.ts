import type { CommandSpec } from '../command.js';

const ACTIONS = [
  { name: 'approve', done: 'approved', summary: 'Approve the wave waiting for approval' },
  { name: 'resume', done: 'resumed', summary: 'Resume a paused or halted rollout' },
  { name: 'abort', done: 'aborted', summary: 'Abort the rollout: no further device gets the artifact' },
];

export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  summary: 'Act on a rollout: approve, resume or abort',
  usage: 'rollout approve|resume|abort NAME',
  subcommands: ACTIONS.map(
    (action): CommandSpec => ({
      name: action.name,
      summary: action.summary,
      usage: `rollout ${action.name} NAME`,
      arity: [1, 1],
      examples: [`steward rollout ${action.name} edge-agent-2-4-1-prod`],
      async run(session, args) {
        const [name] = args.positionals;
        const client = await session.client();
        await client.request('POST', `/api/v1/rollouts/${encodeURIComponent(name)}/${action.name}`, {
          body: {},
        });
        session.out(`rollout/${name} ${action.done}`);
        return 0;
      },
    }),
  ),
};
