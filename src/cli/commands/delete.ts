import { isServerError } from '../client.js';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import { readAll } from '../io.js';
import { readManifests, withManifestPositions } from '../manifest-files.js';
import { objectRef } from '../resource.js';
import { FILE_OPTIONS } from './apply.js';

interface DeleteResult {
  items: Array<{ index: number; kind: string; name: string; result: 'deleted' | 'deleting' | 'notFound' }>;
}

const RESULT_TEXT: Record<string, string> = {
  deleted: 'deleted',
  deleting: 'deleting',
  notFound: 'not found',
};

export const deleteCommand: CommandSpec = {
  name: 'delete',
  summary: 'Delete resources by manifest files or by kind and name',
  usage: 'delete (-f FILE|DIR|- [-R] | KIND NAME) [--dry-run]',
  arity: [0, 2],
  options: {
    ...FILE_OPTIONS,
    'dry-run': { type: 'boolean', description: 'report what would be deleted; delete nothing' },
  },
  examples: [
    'steward delete -f manifests/devices.yaml',
    'steward delete device laptop-042',
    'steward delete dev old-01 --dry-run',
  ],
  async run(session, args) {
    const files = args.strings('filename');
    const dryRun = args.flag('dry-run');
    const suffix = dryRun ? ' (dry run)' : '';
    if (files.length > 0) {
      if (args.positionals.length > 0) throw args.usage('give either -f or KIND NAME, not both');
      const manifests = await readManifests(files, args.flag('recursive'), () => readAll(session.io.stdin));
      const client = await session.client();
      const result = await withManifestPositions(manifests, () =>
        client.request<DeleteResult>('POST', '/api/v1/delete', {
          query: { dryRun: dryRun || undefined },
          body: manifests.map((manifest) => manifest.value),
        }),
      );
      // Deleting by file is idempotent, as `kubectl delete -f` with --ignore-not-found.
      for (const item of result.items)
        session.out(`${objectRef(item.kind, item.name)} ${RESULT_TEXT[item.result] ?? item.result}${suffix}`);
      return 0;
    }
    if (args.positionals.length !== 2) throw args.usage('give -f FILE or KIND NAME');
    const [kindName, name] = args.positionals;
    const kind = (await session.kinds()).resolve(kindName);
    const client = await session.client();
    const ref = objectRef(kind.kind, name);
    try {
      const result = await client.request<DeleteResult>(
        'DELETE',
        `/api/v1/${kind.plural}/${encodeURIComponent(name)}`,
        { query: { dryRun: dryRun || undefined } },
      );
      const item = result.items[0];
      if (item?.result === 'notFound') throw new CliError([`${ref} not found`]);
      session.out(`${ref} ${RESULT_TEXT[item?.result ?? 'deleted']}${suffix}`);
      return 0;
    } catch (error) {
      if (isServerError(error, 404)) throw new CliError([`${ref} not found`]);
      throw error;
    }
  },
};
