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
import { FILE_OPTIONS } from './apply.js';

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
): Promise<string[] | undefined> {
  try {
    const result = await withManifestPositions(manifests, () =>
      client.request<{ items: Array<{ index: number; result: string }> }>('POST', '/api/v1/apply', {
        query: { dryRun: true },
        body: manifests.map((manifest) => manifest.value),
      }),
    );
    const verdicts: string[] = [];
    for (const item of result.items) verdicts[item.index] = item.result;
    return verdicts;
  } catch (error) {
    if (isServerError(error, 403)) return undefined;
    throw error;
  }
}

export const diffCommand: CommandSpec = {
  name: 'diff',
  summary: 'Show how manifest files differ from the live resources (exit 1 when they do)',
  usage: 'diff -f FILE|DIR|- [-R]',
  arity: [0, 0],
  options: { ...FILE_OPTIONS },
  examples: ['steward diff -f manifests/', 'steward diff -f manifests/devices.yaml && echo "in sync"'],
  async run(session, args) {
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
    const verdicts = await serverVerdicts(client, manifests);
    let differs = false;
    for (const [index, manifest] of manifests.entries()) {
      if (verdicts?.[index] === 'unchanged') continue;
      const value = manifest.value as ManifestLike & { kind: string; metadata: { name: string } };
      const kind = kinds.resolve(value.kind);
      const live = await getResource(client, kind, value.metadata.name);
      const ref = objectRef(kind.kind, value.metadata.name);
      // Lines only the live side has may be defaults the server filled in, not edits.
      const text = unifiedDiff(
        live ? `${ref} (live)` : `${ref} (absent)`,
        `${ref} (${manifest.source})`,
        comparableYaml(live),
        comparableYaml(value),
      );
      if (text) session.io.stdout.write(text);
      else if (verdicts) session.out(`# ${ref}: the server would report it ${verdicts[index]}`);
      differs ||= text !== '' || verdicts !== undefined;
    }
    return differs ? 1 : 0;
  },
};
