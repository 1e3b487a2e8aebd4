import type { CommandSpec } from '../command.js';
import { readAll } from '../io.js';
import { readManifests, withManifestPositions } from '../manifest-files.js';
import { objectRef } from '../resource.js';

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

interface ApplyResult {
  dryRun?: boolean;
  items: Array<{ index: number; kind: string; name: string; result: string }>;
}

export const applyCommand: CommandSpec = {
  name: 'apply',
  summary: 'Create or update resources from manifest files',
  usage: 'apply -f FILE|DIR|- [-R] [--dry-run] [--prune -l SELECTOR]',
  arity: [0, 0],
  options: {
    ...FILE_OPTIONS,
    'dry-run': { type: 'boolean', description: 'report what would change; write nothing' },
    prune: { type: 'boolean', description: 'delete resources matching -l that the files no longer contain' },
    selector: {
      type: 'string',
      short: 'l',
      valueName: 'SELECTOR',
      description: 'label selector for --prune',
    },
  },
  examples: [
    'steward apply -f manifests/',
    'steward apply -f manifests/ -R --dry-run',
    'steward get dev laptop-042 -o yaml | steward apply -f -',
    'steward apply -f fleet/ --prune -l team=infra',
  ],
  async run(session, args) {
    const files = args.strings('filename');
    if (files.length === 0) throw args.usage('-f FILE|DIR|- is required');
    const prune = args.flag('prune');
    const selector = args.string('selector');
    if (prune && !selector) throw args.usage('--prune needs -l SELECTOR (which resources the files own)');
    if (selector && !prune) throw args.usage('-l is only used with --prune');
    const manifests = await readManifests(files, args.flag('recursive'), () => readAll(session.io.stdin));
    const client = await session.client();
    const dryRun = args.flag('dry-run');
    const result = await withManifestPositions(manifests, () =>
      client.request<ApplyResult>('POST', '/api/v1/apply', {
        query: { dryRun: dryRun || undefined, prune: prune || undefined, labelSelector: selector },
        body: manifests.map((manifest) => manifest.value),
      }),
    );
    const suffix = dryRun ? ' (dry run)' : '';
    for (const item of result.items)
      session.out(`${objectRef(item.kind, item.name)} ${item.result}${suffix}`);
    return 0;
  },
};
