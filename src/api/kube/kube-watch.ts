import type { ServerResponse } from 'node:http';
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

async function write(raw: ServerResponse, line: string): Promise<boolean> {
  if (raw.destroyed || raw.writableEnded) return false;
  if (raw.write(line)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
  return !raw.destroyed;
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
    const start = requested ?? (await this.follower.headSeq(context.tenant));
    await this.facade.reads.record(context, kind.kind);
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
    const columns = this.validator.printerColumns(kind.kind);
    const render = (type: WatchType, resource: StoredResource) =>
      `${JSON.stringify({
        type,
        object: table ? kubeTable(columns, [resource], this.clock()) : toKubeObject(resource),
      })}\n`;
    let last = start;
    const sent = new Map<string, StoredResource>();
    const ending = setTimeout(() => controller.abort(), timeout * 1000);
    const bookmark = bookmarks
      ? setInterval(
          () =>
            void write(
              raw,
              `${JSON.stringify({
                type: 'BOOKMARK',
                object: {
                  kind: kind.kind,
                  apiVersion: KUBE_GROUP_VERSION,
                  metadata: { resourceVersion: String(last) },
                },
              })}\n`,
            ),
          BOOKMARK_MS,
        )
      : undefined;
    try {
      if (requested === undefined) {
        // resourceVersion 0 or none: the current state first, as ADDED events.
        for await (const resource of this.current(context.tenant, kind, fields.name)) {
          if (!this.facade.selected(resource, requirements, fields)) continue;
          sent.set(resource.name, resource);
          if (!(await write(raw, render('ADDED', resource)))) return;
        }
      }
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
        for (const { name, created } of changedNames(event.entries, kind.kind)) {
          if (fields.name !== undefined && name !== fields.name) continue;
          if (fields.notName === name) continue;
          const resource = await this.store.get({ tenant: context.tenant, kind: kind.kind, name });
          if (!resource) {
            const known = sent.get(name);
            sent.delete(name);
            if (!known && requested === undefined) continue;
            lines.push(render('DELETED', known ?? deleted(context.tenant, kind, name, event.entries)));
            continue;
          }
          // A journaled read or an action that changed nothing is not an event.
          if (sent.get(name)?.resourceVersion === resource.resourceVersion) continue;
          if (!this.facade.selected(resource, requirements, fields)) continue;
          const type: WatchType = created && !sent.has(name) ? 'ADDED' : 'MODIFIED';
          sent.set(name, resource);
          lines.push(render(type, resource));
        }
        last = event.entries[event.entries.length - 1]?.seq ?? last;
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

/** What a DELETED event carries for a resource this watch never sent: its name, nothing else known. */
function deleted(
  tenant: string,
  kind: KindNames,
  name: string,
  entries: readonly JournalEntry[],
): StoredResource {
  const time = entries[entries.length - 1]?.time ?? new Date(0).toISOString();
  return {
    tenant,
    kind: kind.kind,
    name,
    uid: '',
    apiVersion: KUBE_GROUP_VERSION,
    labels: {},
    annotations: {},
    spec: {},
    status: {},
    generation: 0,
    resourceVersion: 0,
    createdAt: time,
    updatedAt: time,
    deletionTimestamp: time,
    finalizers: [],
  };
}
