import { age } from '../output/age.js';
import { NONE, renderTable } from '../output/table.js';
import { toYaml } from '../output/yaml.js';
import type { Session } from '../session.js';

/** The names `steward get` takes for apply sets, which are not a kind (docs/gitops.md). */
export const APPLYSET_NAMES: ReadonlySet<string> = new Set(['applysets', 'applyset', 'as']);

interface ApplySetSummary {
  name: string;
  members: number;
  drifted: number;
  lastChangeset: string;
  lastAppliedAt: string;
  lastAppliedBy: string;
}

interface ApplySetDetail extends ApplySetSummary {
  items: Array<{
    kind: string;
    name: string;
    appliedGeneration: number;
    generation?: number;
    drifted: boolean;
  }>;
}

/** The table of apply sets. Pure. */
export function applySetRows(sets: readonly ApplySetSummary[], now: Date): string[][] {
  return sets.map((set) => [
    set.name,
    String(set.members),
    String(set.drifted),
    set.lastChangeset,
    set.lastAppliedBy,
    age(set.lastAppliedAt, now) ?? NONE,
  ]);
}

/** `steward get applysets [NAME]`: the sets with member and drift counts, or one set's members. */
export async function getApplySets(
  session: Session,
  name: string | undefined,
  format: string,
): Promise<number> {
  const client = await session.client();
  const out = session.io.stdout;
  if (name) {
    const set = await client.request<ApplySetDetail>('GET', `/api/v1/applysets/${encodeURIComponent(name)}`);
    if (format === 'json') out.write(`${JSON.stringify(set, null, 2)}\n`);
    else if (format === 'yaml') out.write(toYaml(set));
    else
      out.write(
        renderTable(
          ['KIND', 'NAME', 'APPLIED GENERATION', 'GENERATION', 'DRIFTED'],
          set.items.map((item) => [
            item.kind,
            item.name,
            String(item.appliedGeneration),
            item.generation === undefined ? 'deleted' : String(item.generation),
            item.drifted ? 'yes' : 'no',
          ]),
        ),
      );
    return 0;
  }
  const list = await client.request<{ items: ApplySetSummary[] }>('GET', '/api/v1/applysets');
  if (format === 'json') out.write(`${JSON.stringify(list, null, 2)}\n`);
  else if (format === 'yaml') out.write(toYaml(list));
  else if (format === 'name') for (const set of list.items) session.out(`applyset/${set.name}`);
  else if (list.items.length === 0) session.err('No apply sets found.');
  else
    out.write(
      renderTable(
        ['NAME', 'MEMBERS', 'DRIFTED', 'LAST CHANGESET', 'APPLIED BY', 'AGE'],
        applySetRows(list.items, session.now()),
      ),
    );
  return 0;
}
