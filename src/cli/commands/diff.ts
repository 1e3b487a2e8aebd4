import { isServerError, type StewardClient } from '../client.js';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import { readAll } from '../io.js';
import {
  type ManifestDocument,
  positionIn,
  readManifests,
  withManifestPositions,
} from '../manifest-files.js';
import { formatPosition } from '../manifest-positions.js';
import { unifiedDiff } from '../output/diff.js';
import { toYaml } from '../output/yaml.js';
import { getResource } from '../reads.js';
import { objectRef } from '../resource.js';
import type { Session } from '../session.js';
import { APPLY_SET_OPTIONS, applySetFlags, FILE_OPTIONS } from './apply.js';

interface ManifestLike {
  kind?: unknown;
  metadata?: { name?: unknown; labels?: unknown; annotations?: unknown };
  spec?: unknown;
}

function nonEmpty(map: unknown): unknown {
  return map && typeof map === 'object' && Object.keys(map).length > 0 ? map : undefined;
}

/**
 * The part of a manifest that users write and diff compares: labels, annotations and spec, as
 * YAML. Server-set metadata and status are left out; empty maps equal absent ones. Pure.
 */
export function comparableYaml(manifest: ManifestLike | undefined): string {
  if (!manifest) return '';
  const metadata = {
    labels: nonEmpty(manifest.metadata?.labels),
    annotations: nonEmpty(manifest.metadata?.annotations),
  };
  return toYaml({
    metadata: metadata.labels || metadata.annotations ? metadata : undefined,
    spec: manifest.spec ?? {},
  });
}

function invalid(manifest: ManifestDocument, pointer: string, message: string): string {
  return `${formatPosition(positionIn(manifest, pointer))}: ${pointer}: ${message}`;
}

/**
 * Which documents the server would change, from a dry-run apply: the server fills in defaults, so
 * only it knows whether `spec` without them equals the live spec. Undefined when the caller may
 * not write (dry runs need the write permission); diff then trusts its own comparison.
 */
async function serverVerdicts(
  client: StewardClient,
  manifests: ManifestDocument[],
  set: Record<string, string | boolean | undefined>,
): Promise<{ verdicts: string[]; deletions: Deletion[] } | undefined> {
  try {
    const result = await withManifestPositions(manifests, () =>
      client.request<{ items: Array<{ index: number; result: string }>; deletions?: Deletion[] }>(
        'POST',
        '/api/v1/apply',
        { query: { dryRun: true, ...set }, body: manifests.map((manifest) => manifest.value) },
      ),
    );
    const verdicts: string[] = [];
    for (const item of result.items) verdicts[item.index] = item.result;
    return { verdicts, deletions: result.deletions ?? [] };
  } catch (error) {
    // Without the write permission a prune cannot be previewed: that is an error, not "no change".
    if (isServerError(error, 403) && !set.prune) return undefined;
    throw error;
  }
}

interface Deletion {
  kind: string;
  name: string;
  result: string;
}

/** Who changed an apply set's member after the set last applied it (`GET /api/v1/applysets/NAME`). */
export interface Drift {
  actor?: string;
  seq?: string;
  time?: string;
  changeset?: string | null;
}

/** One resource of a diff: what the apply would do to it and the unified diff of its fields. */
export interface DiffEntry {
  ref: string;
  result: string;
  diff: string;
  /** Set when the resource drifted: changed outside the apply set since it last applied it. */
  drift?: Drift;
}

/** `changed by user:bob at T (journal seq 42)`, or what is known of it. Pure. */
export function driftText(drift: Drift): string {
  const by = drift.actor ? ` by ${drift.actor}` : '';
  const at = drift.time ? ` at ${drift.time}` : '';
  const seq = drift.seq ? ` (journal seq ${drift.seq})` : '';
  return `drifted: changed${by}${at}${seq} since its apply set last applied it`;
}

/**
 * The drifted members of the apply set, by `kind/name`: empty when the set does not exist yet.
 * Drift is information; a reader who may not read apply sets gets the diff without it.
 */
async function driftOf(
  session: Session,
  client: StewardClient,
  set: string | undefined,
): Promise<Map<string, Drift>> {
  const drifted = new Map<string, Drift>();
  if (!set) return drifted;
  try {
    const found = await client.request<{
      items: Array<{ kind: string; name: string; drifted: boolean; driftedBy?: Drift }>;
    }>('GET', `/api/v1/applysets/${encodeURIComponent(set)}`);
    for (const member of found.items)
      if (member.drifted) drifted.set(objectRef(member.kind, member.name), member.driftedBy ?? {});
  } catch (error) {
    if (isServerError(error, 404)) return drifted;
    if (isServerError(error, 403)) session.err(`note: drift not shown: ${error.status.message}`);
    else throw error;
  }
  return drifted;
}

/** A diff as markdown for a pull-request comment: a summary line, a table, a diff block each. Pure. */
export function diffMarkdown(entries: readonly DiffEntry[]): string {
  const changed = entries.filter((entry) => entry.result !== 'unchanged');
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.result, (counts.get(entry.result) ?? 0) + 1);
  const summary = [...counts].map(([result, count]) => `${count} ${result}`).join(', ') || 'nothing';
  const lines = [`### steward diff: ${summary}`, ''];
  if (changed.length === 0) return `${[...lines, 'No changes.'].join('\n')}\n`;
  const drift = changed.some((entry) => entry.drift);
  lines.push(
    drift ? '| resource | change | drift |' : '| resource | change |',
    drift ? '|---|---|---|' : '|---|---|',
  );
  for (const entry of changed)
    lines.push(
      `| \`${entry.ref}\` | ${entry.result} |${drift ? ` ${entry.drift ? driftText(entry.drift) : ''} |` : ''}`,
    );
  for (const entry of changed.filter((item) => item.diff !== '')) {
    lines.push(
      '',
      `<details><summary>${entry.ref} (${entry.result})</summary>`,
      '',
      '```diff',
      entry.diff.trimEnd(),
      '```',
      '',
      '</details>',
    );
  }
  return `${lines.join('\n')}\n`;
}

export const diffCommand: CommandSpec = {
  name: 'diff',
  summary: 'Show what applying manifest files would change (exit 0 none, 1 changes, 2 error)',
  usage: 'diff -f FILE|DIR|- [-R] [--applyset NAME [--prune ...]] [-o text|markdown|json]',
  arity: [0, 0],
  options: {
    ...FILE_OPTIONS,
    ...APPLY_SET_OPTIONS,
    output: {
      type: 'string',
      short: 'o',
      valueName: 'FORMAT',
      description: 'text (default, unified diffs), markdown (a pull-request comment) or json',
    },
  },
  examples: [
    'steward diff -f manifests/',
    'steward diff -f manifests/ -R --applyset fleet --prune -o markdown > comment.md',
  ],
  async run(session, args) {
    try {
      return await runDiff(session, args);
    } catch (error) {
      // kubectl's convention: 1 means "differs", so a failure is 2.
      if (error instanceof CliError && error.exitCode === 1) throw new CliError(error.lines, 2);
      throw error;
    }
  },
};

async function runDiff(
  session: Parameters<NonNullable<CommandSpec['run']>>[0],
  args: Parameters<NonNullable<CommandSpec['run']>>[1],
): Promise<number> {
  const format = args.choice('output', ['text', 'markdown', 'json'] as const);
  const set = applySetFlags(args);
  const files = args.strings('filename');
  if (files.length === 0) throw args.usage('-f FILE|DIR|- is required');
  const manifests = await readManifests(files, args.flag('recursive'), () => readAll(session.io.stdin));
  const kinds = await session.kinds();
  const client = await session.client();
  const problems: string[] = [];
  for (const manifest of manifests) {
    const value = manifest.value as ManifestLike;
    if (typeof value?.kind !== 'string' || !kinds.find(value.kind))
      problems.push(invalid(manifest, '/kind', `unknown kind ${JSON.stringify(value?.kind)}`));
    else if (typeof value.metadata?.name !== 'string' || value.metadata.name === '')
      problems.push(invalid(manifest, '/metadata/name', 'missing required field "name"'));
  }
  if (problems.length > 0)
    throw new CliError([`error: ${problems.length} document(s) cannot be compared`, ...problems]);
  const server = await serverVerdicts(client, manifests, set);
  const drifted = await driftOf(session, client, typeof set.applyset === 'string' ? set.applyset : undefined);
  const verdicts = server?.verdicts;
  const entries: DiffEntry[] = [];
  for (const [index, manifest] of manifests.entries()) {
    const value = manifest.value as ManifestLike & { kind: string; metadata: { name: string } };
    const kind = kinds.resolve(value.kind);
    const ref = objectRef(kind.kind, value.metadata.name);
    const drift = drifted.get(ref);
    if (verdicts?.[index] === 'unchanged') {
      entries.push({ ref, result: 'unchanged', diff: '', ...(drift ? { drift } : {}) });
      continue;
    }
    const live = await getResource(client, kind, value.metadata.name);
    // Lines only the live side has may be defaults the server filled in, not edits.
    const text = unifiedDiff(
      live ? `${ref} (live)` : `${ref} (absent)`,
      `${ref} (${manifest.source})`,
      comparableYaml(live),
      comparableYaml(value),
    );
    const result = verdicts?.[index] ?? (text === '' ? 'unchanged' : live ? 'configured' : 'created');
    entries.push({ ref, result, diff: text, ...(drift ? { drift } : {}) });
  }
  for (const deletion of server?.deletions ?? [])
    entries.push({ ref: objectRef(deletion.kind, deletion.name), result: deletion.result, diff: '' });
  const differs = entries.some((entry) => entry.result !== 'unchanged');
  if (format === 'json') session.out(JSON.stringify({ changes: differs, items: entries }, null, 2));
  else if (format === 'markdown') session.io.stdout.write(diffMarkdown(entries));
  else
    for (const entry of entries) {
      if (entry.result === 'unchanged') continue;
      // The apply would undo someone's change: say whose, before the diff that undoes it.
      if (entry.drift) session.out(`# ${entry.ref} ${driftText(entry.drift)}; this apply reverts it`);
      if (entry.diff) session.io.stdout.write(entry.diff);
      else session.out(`# ${entry.ref}: the server would report it ${entry.result}`);
    }
  return differs ? 1 : 0;
}
