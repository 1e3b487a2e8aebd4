import type { CommandSpec } from '../command.js';
import { resourceRows } from '../output/columns.js';
import { renderTable } from '../output/table.js';
import { toYaml, toYamlStream } from '../output/yaml.js';
import { listResources } from '../reads.js';
import { objectRef, type Resource } from '../resource.js';
import { APPLYSET_NAMES, getApplySets } from './applysets.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;

export const getCommand: CommandSpec = {
  name: 'get',
  summary: 'List resources of a kind, or show one',
  usage: 'get KIND [NAME] [-l SELECTOR] [-o table|wide|yaml|json|name]',
  arity: [1, 2],
  options: {
    selector: {
      type: 'string',
      short: 'l',
      valueName: 'SELECTOR',
      description: 'label selector, e.g. team=infra,env!=dev',
    },
    output: {
      type: 'string',
      short: 'o',
      valueName: 'FORMAT',
      description: 'table (default), wide, yaml, json or name',
    },
  },
  examples: [
    'steward get devices',
    'steward get dev -l team=infra -o wide',
    'steward get ca fleet-root -o yaml',
    'steward get rollouts -o json',
    'steward get applysets',
  ],
  async run(session, args) {
    const format = args.choice('output', OUTPUT_FORMATS);
    const [kindName, name] = args.positionals;
    if (name && args.string('selector')) throw args.usage('give either NAME or -l SELECTOR, not both');
    if (APPLYSET_NAMES.has(kindName.toLowerCase())) {
      if (args.string('selector')) throw args.usage('apply sets take no -l SELECTOR');
      return getApplySets(session, name, format);
    }
    const kind = (await session.kinds()).resolve(kindName);
    const client = await session.client();
    let resources: Resource[];
    let listKind: string | undefined;
    if (name) {
      resources = [
        await client.request<Resource>('GET', `/api/v1/${kind.plural}/${encodeURIComponent(name)}`),
      ];
    } else {
      const list = await listResources(client, kind, args.string('selector'));
      resources = list.items;
      listKind = list.kind;
    }
    const out = session.io.stdout;
    switch (format) {
      case 'json':
        out.write(
          `${JSON.stringify(listKind ? { apiVersion: 'steward.dev/v1', kind: listKind, items: resources, metadata: {} } : resources[0], null, 2)}\n`,
        );
        break;
      case 'yaml':
        out.write(listKind ? toYamlStream(resources) : toYaml(resources[0]));
        break;
      case 'name':
        for (const resource of resources) session.out(objectRef(resource.kind, resource.metadata.name));
        break;
      default: {
        if (resources.length === 0) {
          session.err('No resources found.');
          break;
        }
        const { headers, rows } = resourceRows(
          kind.columns ?? [],
          resources,
          format === 'wide',
          session.now(),
        );
        out.write(renderTable(headers, rows));
      }
    }
    return 0;
  },
};
