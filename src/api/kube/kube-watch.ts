import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationContext } from '../../context.js';
import { BadRequestError, GoneError } from '../../errors.js';
import type { JournalEntry } from '../../journal/chain.js';
import type { JournalFollower } from '../../journal/journal-follow.js';
import type { KindNames } from '../../resources/kind.js';
import type { StoredResource } from '../../resources/model.js';
import { parseSelector } from '../../resources/selector.js';
import type { ManifestValidator } from '../../schema/validator.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { writeChunk as write } from '../stream-write.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';
import { type KubeFacade, type KubeQuery, parseFieldSelector } from './kube-facade.js';
import { toKubeObject } from './kube-objects.js';
import { kubeTable } from './kube-table.js';

const BOOKMARK_MS = 5_000;
/** Kubernetes' default watch length is 30–60 min; clients re-watch from their last version. */
const MAX_TIMEOUT_SECONDS = 3_600;

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ChangedName {
  name: string;
  /** The entry that created it in this batch, if one did (an ADDED rather than a MODIFIED). */
  created: boolean;
}

/**
 * The names of `kind` a batch of journal entries touched, in order, once each. Every write of a
 * resource is journaled (apply, delete, prune, condition transitions), which is what makes the
 * journal sequence the facade's list resourceVersion and the watch's source. Pure.
 */
export function changedNames(entries: readonly JournalEntry[], kind: string): ChangedName[] {
  const seen = new Map<string, ChangedName>();
  for (const entry of entries) {
    if (entry.kind !== kind || !entry.name) continue;
    const created = entry.operation === 'apply' && entry.result === 'created';
    const known = seen.get(entry.name);
    if (known) known.created ||= created;
    else seen.set(entry.name, { name: entry.name, created });
  }
  return [...seen.values()];
}

/** An object a watch's client holds: its last state, and whether this watch sent that version. */
export interface Known {
  resource: StoredResource;
  exact: boolean;
}

type WatchChange = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: StoredResource };

/**
 * The events a change of one object is to a watch, as Kubernetes' watch cache decides them: gone
 * or no longer selected while the client holds it, DELETED (with the state it holds); selected
 * and new to the client (or created since the watch's resourceVersion), ADDED; a different object
 * under the same name (deleted and created again, another uid), DELETED of the held one then
 * ADDED; selected and held, MODIFIED, unless the client already has this very version (a
 * journaled read, an action that changed nothing). Pure.
 */
export function watchEventsOf(
  held: Known | undefined,
  current: StoredResource | null,
  selected: boolean,
  created = false,
): WatchChange[] {
  if (!current || !selected) return held ? [{ type: 'DELETED', object: held.resource }] : [];
  // Created after the watch's resourceVersion: the client's list cannot have held it.
  if (!held || (created && !held.exact && held.resource.uid === current.uid))
    return [{ type: 'ADDED', object: current }];
  if (held.resource.uid !== current.uid)
    return [
      { type: 'DELETED', object: held.resource },
      { type: 'ADDED', object: current },
    ];
  if (held.exact && held.resource.resourceVersion === current.resourceVersion) return [];
  return [{ type: 'MODIFIED', object: current }];
}

/** `resourceVersion` of a watch: absent or "0" means "the current state, then changes". Pure. */
export function parseWatchVersion(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value))
    throw new BadRequestError(
      `resourceVersion must be a resourceVersion a list or watch of this server answered, got "${value}"`,
    );
  return Number(value);
}

function timeoutOf(value: string | undefined): number {
  if (value === undefined || value === '') return MAX_TIMEOUT_SECONDS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new BadRequestError(`timeoutSeconds must be a non-negative integer, got "${value}"`);
  return Math.min(seconds || MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
}

/**
 * `?watch=true` (kubectl get -w, kubectl wait, informers): newline-delimited watch events from
 * the tenant's journal after `resourceVersion` (a list's resourceVersion is the journal head),
 * each carrying the resource's current state; BOOKMARK events when asked; 410 Gone when the
 * journal no longer holds the start (retention pruned it): the client lists again.
 */
export class KubeWatches {
  constructor(
    private readonly facade: KubeFacade,
    private readonly follower: JournalFollower,
    private readonly store: ResourceStore,
    private readonly validator: ManifestValidator,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async serve(
    context: OperationContext,
    plural: string,
    query: KubeQuery,
    table: boolean,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const kind = this.facade.kindOf(plural);
    context.authorize(`${kind.plural}:read`);
    const requirements = parseSelector(query.labelSelector ?? '');
    const fields = parseFieldSelector(query.fieldSelector);
    const timeout = timeoutOf(query.timeoutSeconds);
    const bookmarks = query.allowWatchBookmarks === 'true';
    const requested = parseWatchVersion(query.resourceVersion);
    const pruned = await this.follower.prunedThrough(context.tenant);
    if (requested !== undefined && requested < pruned)
      throw new GoneError(`too old resource version: ${requested} (${pruned})`);
    const head = await this.follower.headSeq(context.tenant);
    // Past the journal's head is no position this server answered (an object's resourceVersion is
    // its own counter, not a journal position): the client lists again rather than wait there.
    if (requested !== undefined && requested > head)
      throw new GoneError(`too new resource version: ${requested} is past the journal's ${head}; list again`);
    const start = requested ?? head;
    await this.facade.reads.record(context, kind.kind);
    // The objects the client holds, read before the watch is answered: with resourceVersion 0 or
    // none, the current ones (sent first, as ADDED); from a list's resourceVersion, those the
    // selection holds now, which the client has from its list (or is told of as MODIFIED).
    const known = new Map<string, Known>();
    for await (const resource of this.current(context.tenant, kind, fields.name))
      if (this.facade.selected(resource, requirements, fields))
        known.set(resource.name, { resource, exact: requested === undefined });
    const controller = new AbortController();
    const events = this.follower.openWatch(context, start, controller.signal);
    reply.hijack();
    const raw = reply.raw;
    request.raw.socket.setTimeout(0);
    raw.on('close', () => controller.abort());
    raw.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, no-transform',
      'transfer-encoding': 'chunked',
      'x-request-id': String(request.id),
    });
    // The 200 goes out now, not with the first event: clients wait for it to start watching.
    raw.flushHeaders();
    const columns = this.validator.printerColumns(kind.kind);
    const render = (type: WatchType, resource: StoredResource) =>
      `${JSON.stringify({
        type,
        object: table ? kubeTable(columns, [resource], this.clock()) : toKubeObject(resource),
      })}\n`;
    let last = start;
    const bookmarkLine = () =>
      `${JSON.stringify({
        type: 'BOOKMARK',
        object: {
          kind: kind.kind,
          apiVersion: KUBE_GROUP_VERSION,
          metadata: { resourceVersion: String(last) },
        },
      })}\n`;
    const ending = setTimeout(() => controller.abort(), timeout * 1000);
    const bookmark = bookmarks ? setInterval(() => void write(raw, bookmarkLine()), BOOKMARK_MS) : undefined;
    try {
      if (requested === undefined)
        for (const { resource } of known.values()) if (!(await write(raw, render('ADDED', resource)))) return;
      for await (const event of events) {
        if (event.type === 'gap') {
          if (event.reason !== 'pruned') continue;
          const status = {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${last} (${event.to})`,
            reason: 'Expired',
            code: 410,
          };
          await write(raw, `${JSON.stringify({ type: 'ERROR', object: status })}\n`);
          return;
        }
        const lines: string[] = [];
        const changed = changedNames(event.entries, kind.kind).filter(
          ({ name }) => fields.name === undefined || name === fields.name,
        );
        // One read for the whole batch, not one per changed name.
        const stored = await this.store.getMany(
          context.tenant,
          kind.kind,
          changed.map(({ name }) => name),
        );
        const byName = new Map(stored.map((resource) => [resource.name, resource]));
        for (const { name, created } of changed) {
          const current = byName.get(name) ?? null;
          const selected = current !== null && this.facade.selected(current, requirements, fields);
          for (const change of watchEventsOf(known.get(name), current, selected, created)) {
            if (change.type === 'DELETED') known.delete(name);
            else known.set(name, { resource: change.object, exact: true });
            lines.push(render(change.type, change.object));
          }
        }
        last = event.entries[event.entries.length - 1]?.seq ?? last;
        // Events carry objects' own resourceVersions (per-object counters), not journal positions;
        // a bookmark in the same write leaves the client's last resourceVersion a journal position,
        // so an informer that reconnects resumes exactly here rather than from an object's counter.
        if (lines.length > 0 && bookmarks) lines.push(bookmarkLine());
        if (lines.length > 0 && !(await write(raw, lines.join('')))) return;
      }
    } catch (error) {
      request.log.error(`watch ${request.id} failed: ${(error as Error).stack ?? String(error)}`);
    } finally {
      clearTimeout(ending);
      if (bookmark) clearInterval(bookmark);
      controller.abort();
      if (!raw.destroyed) raw.end();
    }
  }

  /** Every resource of the kind (or the one named), page by page. */
  private async *current(tenant: string, kind: KindNames, name?: string): AsyncGenerator<StoredResource> {
    if (name !== undefined) {
      const resource = await this.store.get({ tenant, kind: kind.kind, name });
      if (resource) yield resource;
      return;
    }
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list(tenant, kind.kind, { after, limit: 500 });
      yield* page;
      if (page.length < 500) return;
      after = page[page.length - 1].name;
    }
  }
}
