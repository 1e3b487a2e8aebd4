import { isServerError, type StewardClient } from '../client.js';
import type { CommandSpec } from '../command.js';
import { age } from '../output/age.js';
import { printable } from '../output/printable.js';
import { NONE, renderTable } from '../output/table.js';
import { indent, toYaml } from '../output/yaml.js';
import type { Resource } from '../resource.js';
import { certificateAuthorityDetails } from './ca.js';
import { actorName, type JournalEntry } from './journal-format.js';
import { lintLines } from './trustpolicy.js';

/** How many journal entries `describe` shows. */
const HISTORY_SHOWN = 10;

/** Sections some kinds add after their conditions (data only: a kind adds a line here, or none). */
const KIND_DETAILS: Readonly<
  Record<string, (client: StewardClient, resource: Resource, now: Date) => Promise<string[]>>
> = {
  CertificateAuthority: certificateAuthorityDetails,
  TrustPolicy: async (_client, resource) => lintLines(resource),
};

/** Status fields a kind's own section shows, left out of the Status dump (said once, not twice). */
const SHOWN_BY_SECTION: Readonly<Record<string, readonly string[]>> = {
  TrustPolicy: ['warnings'],
};

function field(label: string, value: string | number | undefined): string {
  return `${`${label}:`.padEnd(18)}${value === undefined || value === '' ? NONE : printable(String(value))}`;
}

function mapLines(label: string, map: Record<string, string> | undefined): string[] {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return [field(label, undefined)];
  return entries.map(([key, value], index) =>
    index === 0 ? field(label, `${key}=${value}`) : `${' '.repeat(18)}${key}=${value}`,
  );
}

function timestamp(value: string | undefined, now: Date): string | undefined {
  return value ? `${value} (${age(value, now)} ago)` : undefined;
}

/** The human summary of one resource (without history). Pure. */
export function describeResource(resource: Resource, now: Date): string[] {
  const { metadata } = resource;
  const lines = [
    field('Name', metadata.name),
    field('Kind', resource.kind),
    field('API Version', resource.apiVersion),
    ...mapLines('Labels', metadata.labels),
    ...mapLines('Annotations', metadata.annotations),
    field('UID', metadata.uid),
    field('Generation', metadata.generation),
    field('Resource Version', metadata.resourceVersion),
    field('Changeset', metadata.changeset),
    field('Created', timestamp(metadata.createdAt, now)),
    field('Updated', timestamp(metadata.updatedAt, now)),
  ];
  if (metadata.deletionTimestamp)
    lines.push(field('Deleting Since', timestamp(metadata.deletionTimestamp, now)));
  if (metadata.finalizers?.length) lines.push(field('Finalizers', metadata.finalizers.join(', ')));
  lines.push('Spec:', indent(toYaml(resource.spec ?? {}), 2));
  const { conditions = [], ...allFields } = resource.status ?? {};
  const shownElsewhere = new Set(SHOWN_BY_SECTION[resource.kind] ?? []);
  const statusFields = Object.fromEntries(
    Object.entries(allFields).filter(([name]) => !shownElsewhere.has(name)),
  );
  lines.push('Status:');
  lines.push(Object.keys(statusFields).length > 0 ? indent(toYaml(statusFields), 2) : `  ${NONE}`);
  lines.push('Conditions:');
  if (conditions.length === 0) lines.push(`  ${NONE}`);
  else {
    const rows = conditions.map((condition) => [
      condition.type,
      condition.status,
      condition.reason || NONE,
      age(condition.lastTransitionTime, now) ?? NONE,
      condition.message || '',
    ]);
    lines.push(indent(renderTable(['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'], rows), 2));
  }
  return lines;
}

/** The History section from journal entries, newest first. Pure. */
export function describeHistory(entries: readonly JournalEntry[], now: Date): string[] {
  if (entries.length === 0) return ['History:', `  ${NONE}`];
  const rows = entries
    .slice(0, HISTORY_SHOWN)
    .map((entry) => [
      String(entry.seq),
      age(entry.time, now) ?? NONE,
      actorName(entry),
      entry.operation,
      entry.result,
      entry.generation === undefined || entry.generation === null ? '' : String(entry.generation),
    ]);
  return [
    'History:',
    indent(renderTable(['SEQ', 'AGE', 'ACTOR', 'OPERATION', 'RESULT', 'GENERATION'], rows), 2),
  ];
}

/** The newest status entry of the Ready condition's current status: when it became so, and under which changeset. Pure. */
function readyTransition(resource: Resource, history: readonly JournalEntry[]): JournalEntry | undefined {
  const ready = resource.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (!ready) return undefined;
  return history.find((entry) => entry.operation === 'status' && entry.result === `Ready=${ready.status}`);
}

/**
 * Causal status (issue #17): "Ready: True since T (changeset X applied by Y T' ago)", from the
 * Ready condition, the journal's status transition linked to the changeset it observed, and that
 * changeset's apply entry. Empty without a Ready condition. Pure.
 */
export function causalLines(resource: Resource, history: readonly JournalEntry[], now: Date): string[] {
  const ready = resource.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (!ready) return [];
  const since = `${ready.status} since ${timestamp(ready.lastTransitionTime, now) ?? NONE}`;
  const transition = readyTransition(resource, history);
  const changeset = transition?.changeset ?? ready.observedChangeset;
  if (!changeset) return [field('Ready', since)];
  const applied = history.find((entry) => entry.changeset === changeset && entry.operation !== 'status');
  const by = applied ? ` applied by ${actorName(applied)} ${age(applied.time, now) ?? ''} ago` : '';
  const lines = [field('Ready', `${since} (changeset ${changeset}${by})`)];
  if (ready.observedChangeset && ready.observedChangeset !== changeset)
    lines.push(
      field('Observed', `changeset ${ready.observedChangeset} (generation ${ready.observedGeneration})`),
    );
  return lines;
}

/**
 * The history `describe` reads: the newest page, and when the apply of the changeset Ready last
 * changed under is older than that page, its entries (one filtered query).
 */
async function historyOf(client: StewardClient, path: string, resource: Resource): Promise<JournalEntry[]> {
  const history = (await client.request<{ items?: JournalEntry[] }>('GET', `${path}/history`))?.items ?? [];
  const changeset =
    readyTransition(resource, history)?.changeset ??
    resource.status?.conditions?.find((condition) => condition.type === 'Ready')?.observedChangeset;
  if (!changeset || history.some((entry) => entry.changeset === changeset && entry.operation !== 'status'))
    return history;
  const applied = await client.request<{ items?: JournalEntry[] }>('GET', `${path}/history`, {
    query: { changeset, limit: 10 },
  });
  return [...history, ...(applied?.items ?? [])];
}

export const describeCommand: CommandSpec = {
  name: 'describe',
  summary: 'Show a resource in detail: metadata, spec, status, conditions and history',
  usage: 'describe KIND NAME',
  arity: [2, 2],
  examples: ['steward describe device laptop-042', 'steward describe ca fleet-issuing'],
  async run(session, args) {
    const [kindName, name] = args.positionals;
    const kind = (await session.kinds()).resolve(kindName);
    const client = await session.client();
    const path = `/api/v1/${kind.plural}/${encodeURIComponent(name)}`;
    const resource = await client.request<Resource>('GET', path);
    const lines = describeResource(resource, session.now());
    const details = KIND_DETAILS[kind.kind];
    if (details) lines.push(...(await details(client, resource, session.now())));
    try {
      const history = await historyOf(client, path, resource);
      // Before the conditions table: the causal summary; the history it was read from at the end.
      lines.splice(lines.indexOf('Conditions:'), 0, ...causalLines(resource, history, session.now()));
      lines.push(...describeHistory(history, session.now()));
    } catch (error) {
      // Servers without the history route still describe everything else; so do readers
      // who may read the resource but not the journal.
      if (isServerError(error, 403)) {
        lines.splice(lines.indexOf('Conditions:'), 0, ...causalLines(resource, [], session.now()));
        lines.push('History:', `  (not shown: ${error.status.message})`);
      } else if (!isServerError(error, 404)) throw error;
    }
    for (const line of lines) session.out(line);
    return 0;
  },
};
