import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import type { Writer } from '../io.js';
import {
  FINAL_PHASES,
  type RolloutView,
  redrawFrame,
  rolloutStatusLine,
  rolloutStatusLines,
} from '../output/rollout-status.js';
import type { Session } from '../session.js';
import { timeoutOf } from './wait.js';

const ACTIONS = [
  { name: 'approve', done: 'approved', summary: 'Approve the wave waiting for approval' },
  { name: 'pause', done: 'paused', summary: 'Pause the rollout: no new device is assigned until resumed' },
  { name: 'resume', done: 'resumed', summary: 'Resume a paused or halted rollout' },
  { name: 'abort', done: 'aborted', summary: 'Abort the rollout: no further device gets the artifact' },
];

const WATCH_INTERVAL_MS = 1_000;

/** What `POST /api/v1/rollouts/{name}/{action}` answers. */
interface RolloutAction {
  name?: string;
  action?: string;
  phase?: string;
}

function readRollout(session: Session, name: string): Promise<RolloutView> {
  return session
    .client()
    .then((client) => client.request<RolloutView>('GET', `/api/v1/rollouts/${encodeURIComponent(name)}`));
}

/**
 * Polls the rollout until it is Completed (0) or Aborted (1), redrawing the full view in place on a
 * terminal, else printing the one-line form whenever it changes. Gives up after `timeoutMs`;
 * 130 when the signal (Ctrl-C) stops it first.
 */
async function watch(
  session: Session,
  name: string,
  timeoutMs: number,
  timeoutText: string,
): Promise<number> {
  const stdout = session.io.stdout as Writer & { isTTY?: boolean; columns?: number };
  const interval = Math.min(session.io.pollIntervalMs ?? WATCH_INTERVAL_MS, WATCH_INTERVAL_MS);
  const deadline = Date.now() + timeoutMs;
  let drawn = 0;
  let lastLine: string | undefined;
  for (;;) {
    const rollout = await readRollout(session, name);
    if (stdout.isTTY) {
      const lines = rolloutStatusLines(rollout, session.now());
      stdout.write(redrawFrame(lines, drawn, stdout.columns));
      drawn = lines.length;
    } else {
      const line = rolloutStatusLine(rollout);
      if (line !== lastLine) session.out(line);
      lastLine = line;
    }
    const phase = rollout.status?.phase ?? '';
    if (FINAL_PHASES.has(phase)) return phase === 'Completed' ? 0 : 1;
    if (Date.now() + interval > deadline)
      throw CliError.of(
        `timed out after ${timeoutText} watching rollout/${name} (phase ${phase || 'Pending'})`,
      );
    // Ctrl-C: the rollout goes on; the watch ends without its verdict.
    if (!(await pause(interval, session.io.signal))) return 130;
  }
}

const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Show a rollout’s phase and per-wave progress; --watch follows it until it ends',
  usage: 'rollout status NAME [-w|--watch] [--timeout 10m]',
  arity: [1, 1],
  options: {
    watch: {
      type: 'boolean',
      short: 'w',
      description: 'follow until Completed (exit 0) or Aborted (exit 1), redrawn every second on a terminal',
    },
    timeout: {
      type: 'string',
      valueName: 'DURATION',
      description: 'with --watch, give up after this long (default 10m)',
    },
  },
  examples: [
    'steward rollout status edge-agent-2-4-1-prod',
    'steward rollout status edge-agent-2-4-1-prod -w',
  ],
  async run(session, args) {
    const [name] = args.positionals;
    const timeoutText = args.string('timeout') ?? '10m';
    const timeoutMs = timeoutOf(timeoutText);
    if (timeoutMs === undefined) throw args.usage('--timeout takes a duration such as 30s, 5m or 1h');
    if (args.flag('watch')) return watch(session, name, timeoutMs, timeoutText);
    for (const line of rolloutStatusLines(await readRollout(session, name), session.now())) session.out(line);
    return 0;
  },
};

export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  summary: 'Follow a rollout and act on it: status, approve, pause, resume or abort',
  usage: 'rollout status|approve|pause|resume|abort NAME',
  subcommands: [
    statusCommand,
    ...ACTIONS.map(
      (action): CommandSpec => ({
        name: action.name,
        summary: action.summary,
        usage: `rollout ${action.name} NAME`,
        arity: [1, 1],
        examples: [`steward rollout ${action.name} edge-agent-2-4-1-prod`],
        async run(session, args) {
          const [name] = args.positionals;
          const client = await session.client();
          const answer = await client.request<RolloutAction>(
            'POST',
            `/api/v1/rollouts/${encodeURIComponent(name)}/${action.name}`,
            { body: {} },
          );
          const phase = answer?.phase ? ` (phase ${answer.phase})` : '';
          session.out(`rollout/${name} ${action.done}${phase}`);
          return 0;
        },
      }),
    ),
  ],
};

/** Sleeps; answers false when the signal aborted it. */
async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
