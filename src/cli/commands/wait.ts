import { parseDuration } from '../../contract/duration.js';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import { conditionOf, objectRef, type Resource } from '../resource.js';

const DEFAULT_POLL_MS = 500;

/** Whether the condition holds for the current generation, and if not, why. Pure. */
export function conditionMet(
  resource: Resource,
  type: string,
  wanted: string,
): { met: true } | { met: false; why: string; stalled?: true } {
  const condition = conditionOf(resource, type);
  const generation = resource.metadata.generation ?? 0;
  const observed = resource.status?.observedGeneration ?? 0;
  // A terminal failure for this generation: waiting cannot help until the resource changes.
  const stalled = conditionOf(resource, 'Stalled');
  if (type !== 'Stalled' && stalled?.status === 'True' && stalled.observedGeneration >= generation)
    return {
      met: false,
      stalled: true,
      why: `Stalled=True (${stalled.reason})${stalled.message ? `: ${stalled.message}` : ''}`,
    };
  if (!condition) return { met: false, why: `no ${type} condition reported yet` };
  const detail = `${type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}${condition.message ? `: ${condition.message}` : ''}`;
  if (condition.status !== wanted) return { met: false, why: detail };
  if (observed < generation)
    return {
      met: false,
      why: `${detail}, but status.observedGeneration ${observed} < metadata.generation ${generation} (not reconciled yet)`,
    };
  return { met: true };
}

/**
 * `--timeout`: a duration; a bare number is seconds, as this flag took before durations had one
 * grammar (`--timeout 90`), and spaces around it are ignored. Undefined when malformed. Pure.
 */
export function timeoutOf(text: string): number | undefined {
  const trimmed = text.trim();
  return parseDuration(/^[0-9]+(\.[0-9]+)?$/.test(trimmed) ? `${trimmed}s` : trimmed);
}

/** `condition=Ready` or `condition=Ready=False`. */
function parseFor(value: string | undefined): { type: string; wanted: string } | undefined {
  const match = /^condition=([A-Za-z][A-Za-z0-9]*)(?:=(True|False|Unknown))?$/.exec(value ?? '');
  return match ? { type: match[1], wanted: match[2] ?? 'True' } : undefined;
}

export const waitCommand: CommandSpec = {
  name: 'wait',
  summary: 'Wait until a resource reports a condition for its current generation',
  usage: 'wait KIND NAME --for=condition=Ready [--timeout 60s]',
  arity: [2, 2],
  options: {
    for: {
      type: 'string',
      valueName: 'condition=TYPE[=STATUS]',
      description: 'the condition to wait for (status True by default)',
    },
    timeout: {
      type: 'string',
      valueName: 'DURATION',
      description: 'give up after this long (default 60s; 30s, 5m, 1h)',
    },
  },
  examples: [
    'steward wait ca fleet-root --for=condition=Ready',
    'steward wait device laptop-042 --for=condition=Ready --timeout 5m',
  ],
  async run(session, args) {
    const wanted = parseFor(args.string('for'));
    if (!wanted) throw args.usage('--for=condition=TYPE is required, e.g. --for=condition=Ready');
    const timeoutMs = timeoutOf(args.string('timeout') ?? '60s');
    if (timeoutMs === undefined) throw args.usage('--timeout takes a duration such as 30s, 5m or 1h');
    const [kindName, name] = args.positionals;
    const kind = (await session.kinds()).resolve(kindName);
    const client = await session.client();
    const ref = objectRef(kind.kind, name);
    const interval = session.io.pollIntervalMs ?? DEFAULT_POLL_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const resource = await client.request<Resource>(
        'GET',
        `/api/v1/${kind.plural}/${encodeURIComponent(name)}`,
      );
      const state = conditionMet(resource, wanted.type, wanted.wanted);
      if (state.met) {
        session.out(`${ref} condition met`);
        return 0;
      }
      if ('stalled' in state)
        throw new CliError([
          `error: ${ref} failed for generation ${resource.metadata.generation}: ${state.why}`,
          '  (a terminal failure: it will not become ' +
            `${wanted.type}=${wanted.wanted} until the resource or what it depends on changes)`,
        ]);
      if (Date.now() + interval > deadline) {
        throw new CliError([
          `error: timed out after ${args.string('timeout') ?? '60s'} waiting for ${ref} to be ${wanted.type}=${wanted.wanted}`,
          `  current: ${state.why}`,
        ]);
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  },
};
