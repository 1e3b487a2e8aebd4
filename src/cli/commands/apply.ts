import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import { readAll } from '../io.js';
import { readManifests, withManifestPositions } from '../manifest-files.js';
import { objectRef } from '../resource.js';
import type { Session } from '../session.js';
import { waitForChangeset } from './apply-wait.js';
import { timeoutOf } from './wait.js';

/** `-f`, `-R`: how apply, diff and delete name their manifests. */
export const FILE_OPTIONS = {
  filename: {
    type: 'string',
    short: 'f',
    multiple: true,
    valueName: 'FILE|DIR|-',
    description: 'manifest file, directory of *.yaml/*.yml/*.json, or - for stdin',
  },
  recursive: { type: 'boolean', short: 'R', description: 'descend into subdirectories of -f directories' },
} as const;

/** `--applyset` and its prune flags: apply and diff take the same (docs/gitops.md). */
export const APPLY_SET_OPTIONS = {
  applyset: {
    type: 'string',
    valueName: 'NAME',
    description: 'the apply set the files make up: the server records which resources it owns',
  },
  prune: { type: 'boolean', description: "delete the apply set's resources the files no longer contain" },
  'max-deletions': {
    type: 'string',
    valueName: 'N',
    description: 'refuse to delete more than N resources (default 10)',
  },
  'max-deletion-percent': {
    type: 'string',
    valueName: 'P',
    description: "refuse to delete more than P % of the set's members (default 30)",
  },
  'allow-empty': { type: 'boolean', description: 'prune even when the files hold no manifest' },
  'force-adopt': { type: 'boolean', description: 'take resources another apply set owns' },
} as const;

interface ApplyResult {
  dryRun?: boolean;
  changeset?: string;
  items: Array<{ index: number; kind: string; name: string; result: string; generation?: number }>;
  deletions?: Array<{ kind: string; name: string; result: string }>;
}

/** The apply-set flags of apply and diff, as the apply route's query; a usage error when misused. */
export function applySetFlags(args: Parameters<NonNullable<CommandSpec['run']>>[1]) {
  const set = applySetQuery({
    applyset: args.string('applyset'),
    prune: args.flag('prune'),
    maxDeletions: args.string('max-deletions'),
    maxDeletionPercent: args.string('max-deletion-percent'),
    allowEmpty: args.flag('allow-empty'),
    forceAdopt: args.flag('force-adopt'),
  });
  if ('error' in set) throw args.usage(String(set.error));
  return set;
}

/** The apply-set flags, as the apply route's query (docs/gitops.md). Pure. */
export function applySetQuery(args: {
  applyset?: string;
  prune: boolean;
  maxDeletions?: string;
  maxDeletionPercent?: string;
  allowEmpty: boolean;
  forceAdopt: boolean;
}): Record<string, string | boolean | undefined> | { error: string } {
  if (
    !args.applyset &&
    (args.prune || args.maxDeletions || args.maxDeletionPercent || args.allowEmpty || args.forceAdopt)
  )
    return {
      error:
        '--prune, --max-deletions, --max-deletion-percent, --allow-empty and --force-adopt need --applyset NAME',
    };
  return {
    applyset: args.applyset,
    prune: args.prune || undefined,
    maxDeletions: args.maxDeletions,
    maxDeletionPercent: args.maxDeletionPercent,
    allowEmpty: args.allowEmpty || undefined,
    forceAdopt: args.forceAdopt || undefined,
  };
}

export const applyCommand: CommandSpec = {
  name: 'apply',
  summary: 'Create or update resources from manifest files',
  usage:
    'apply -f FILE|DIR|- [-R] [--dry-run] [--applyset NAME [--prune] [--max-deletions N] [--max-deletion-percent P] [--allow-empty] [--force-adopt]] [--wait [--timeout 5m]]',
  arity: [0, 0],
  options: {
    ...FILE_OPTIONS,
    'dry-run': { type: 'boolean', description: 'report what would change; write nothing' },
    ...APPLY_SET_OPTIONS,
    wait: {
      type: 'boolean',
      description: "then wait until every resource the apply changed is Ready for the apply's changeset",
    },
    timeout: {
      type: 'string',
      valueName: 'DURATION',
      description: 'with --wait: give up after this long (default 5m)',
    },
  },
  examples: [
    'steward apply -f manifests/',
    'steward apply -f manifests/ -R --dry-run',
    'steward get dev laptop-042 -o yaml | steward apply -f -',
    'steward apply -f fleet/ -R --applyset fleet --prune',
    'steward apply -f fleet/ -R --applyset fleet --prune --wait --timeout 10m',
  ],
  async run(session, args) {
    const files = args.strings('filename');
    if (files.length === 0) throw args.usage('-f FILE|DIR|- is required');
    const set = applySetFlags(args);
    const manifests = await readManifests(files, args.flag('recursive'), () => readAll(session.io.stdin));
    const client = await session.client();
    const dryRun = args.flag('dry-run');
    const result = await withManifestPositions(manifests, () =>
      client.request<ApplyResult>('POST', '/api/v1/apply', {
        query: { dryRun: dryRun || undefined, ...set },
        body: manifests.map((manifest) => manifest.value),
      }),
    );
    const suffix = dryRun ? ' (dry run)' : '';
    for (const item of result.items)
      session.out(`${objectRef(item.kind, item.name)} ${item.result}${suffix}`);
    for (const deletion of result.deletions ?? [])
      session.out(`${objectRef(deletion.kind, deletion.name)} ${deletion.result}${suffix}`);
    if (!args.flag('wait') || dryRun) return 0;
    const timeoutMs = timeoutOf(args.string('timeout') ?? '5m');
    if (timeoutMs === undefined) throw args.usage('--timeout takes a duration such as 30s, 5m or 1h');
    return waitReady(session, result, timeoutMs);
  },
};

/**
 * `apply --wait`: waits until every resource the apply created or configured is Ready for the
 * apply's changeset (apply-wait.ts). Ready=False is waited on (reconcilers retry: a CA waiting for
 * its parent becomes Ready later); Stalled, deleted or superseded resources fail at once; at the
 * timeout the command fails. Exit 1 either way, each resource not Ready printed with why.
 */
async function waitReady(session: Session, result: ApplyResult, timeoutMs: number): Promise<number> {
  const changed = result.items.filter((item) => item.result !== 'unchanged');
  if (changed.length === 0 || !result.changeset) return 0;
  const outcome = await waitForChangeset(session, changed, result.changeset, timeoutMs);
  if (outcome.failed.length === 0 && outcome.pending.length === 0) {
    session.out(`${outcome.ready.length} resource(s) Ready for changeset ${result.changeset}`);
    return 0;
  }
  const lines = [
    ...(outcome.failed.length > 0
      ? [
          `error: ${outcome.failed.length} resource(s) failed for changeset ${result.changeset}:`,
          ...outcome.failed.map((item) => `  ${item.ref}: ${item.why}`),
        ]
      : []),
    ...(outcome.pending.length > 0
      ? [
          `error: timed out waiting for ${outcome.pending.length} resource(s) to be Ready:`,
          ...outcome.pending.map((item) => `  ${item.ref}: ${item.why}`),
        ]
      : []),
  ];
  throw new CliError(lines);
}
