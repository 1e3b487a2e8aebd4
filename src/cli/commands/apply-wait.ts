/**
 * `steward apply --wait`: follows every resource an apply changed until its conditions report the
 * apply's changeset Ready, or stalled (a terminal failure), or superseded by a later apply.
 * Causal, not timed: a condition counts only once it observed the changeset (docs/gitops.md).
 */
import { getResource, listResources } from '../reads.js';
import { conditionOf, objectRef, type Resource } from '../resource.js';
import type { Session } from '../session.js';

/** One resource the apply created or configured, with the generation the apply gave it. */
export interface AppliedItem {
  kind: string;
  name: string;
  generation?: number;
}

export type WaitState =
  | { state: 'ready'; message: string }
  | { state: 'failed'; why: string }
  | { state: 'pending'; why: string };

/** `Ready=False (Reason): message`. Pure. */
function conditionText(condition: {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}): string {
  const reason = condition.reason ? ` (${condition.reason})` : '';
  return `${condition.type}=${condition.status}${reason}${condition.message ? `: ${condition.message}` : ''}`;
}

/**
 * Where one applied resource stands for the apply's changeset. Pure.
 * - gone: failed (deleted since the apply);
 * - a later generation: failed, superseded (its conditions will never speak of this changeset);
 * - Ready not yet observed for this apply: pending. When the apply set the resource's generation
 *   (`metadata.changeset` is the apply's), a condition counts only if its `observedChangeset` is the
 *   apply's; otherwise (an older server, or an apply that changed no generation) its
 *   `observedGeneration` must reach the applied one;
 * - Stalled=True for this apply: failed, with its reason; Ready=True: ready; else pending, why.
 */
export function waitStateOf(resource: Resource | undefined, item: AppliedItem, changeset: string): WaitState {
  if (!resource) return { state: 'failed', why: 'deleted after the apply' };
  const generation = resource.metadata.generation ?? 0;
  const applied = item.generation ?? generation;
  if (generation > applied) {
    const by = resource.metadata.changeset ? ` by changeset ${resource.metadata.changeset}` : '';
    return {
      state: 'failed',
      why: `superseded${by} (generation ${generation} > ${applied}): a later apply's wait decides`,
    };
  }
  const ours = resource.metadata.changeset === changeset;
  const observes = (condition: { observedGeneration?: number; observedChangeset?: string }) =>
    ours ? condition.observedChangeset === changeset : (condition.observedGeneration ?? 0) >= applied;
  const ready = conditionOf(resource, 'Ready');
  if (!ready || !observes(ready))
    return {
      state: 'pending',
      why: ready
        ? `not reconciled since the apply (conditions observed generation ${ready.observedGeneration}, the apply made ${applied})`
        : 'no Ready condition reported yet',
    };
  const stalled = conditionOf(resource, 'Stalled');
  if (stalled?.status === 'True' && observes(stalled))
    return { state: 'failed', why: conditionText(stalled) };
  if (ready.status === 'True') return { state: 'ready', message: ready.message ?? '' };
  return { state: 'pending', why: conditionText(ready) };
}

/** The line a TTY redraws while waiting. Pure. */
export function progressLine(
  counts: { ready: number; failed: number; pending: number },
  changeset: string,
  elapsedMs: number,
  example?: { ref: string; why: string },
): string {
  const total = counts.ready + counts.failed + counts.pending;
  const head = `changeset ${changeset.slice(0, 8)}: ${counts.ready}/${total} Ready`;
  const failed = counts.failed > 0 ? `, ${counts.failed} failed` : '';
  const waiting = example ? ` · waiting for ${example.ref}: ${example.why}` : '';
  return `${head}${failed} (${Math.round(elapsedMs / 1000)}s)${waiting}`;
}

/** Above this many pending resources of one kind, a poll lists the kind instead of reading each. */
const LIST_ABOVE = 10;

/** The current state of every pending resource: one GET each, or the kind's list when many. */
async function readPending(
  session: Session,
  pending: ReadonlyMap<string, AppliedItem>,
): Promise<Map<string, Resource | undefined>> {
  const kinds = await session.kinds();
  const client = await session.client();
  const byKind = new Map<string, AppliedItem[]>();
  for (const item of pending.values()) byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), item]);
  const read = new Map<string, Resource | undefined>();
  for (const [kindName, items] of byKind) {
    const kind = kinds.resolve(kindName);
    if (items.length > LIST_ABOVE) {
      const listed = new Map(
        (await listResources(client, kind)).items.map((resource) => [resource.metadata.name, resource]),
      );
      for (const item of items) read.set(objectRef(item.kind, item.name), listed.get(item.name));
      continue;
    }
    const resources = await Promise.all(items.map((item) => getResource(client, kind, item.name)));
    for (const [index, item] of items.entries()) read.set(objectRef(item.kind, item.name), resources[index]);
  }
  return read;
}

export interface WaitOutcome {
  ready: string[];
  failed: Array<{ ref: string; why: string }>;
  /** Still pending at the timeout. */
  pending: Array<{ ref: string; why: string }>;
}

/**
 * Polls until nothing is pending or the timeout passes. On a TTY one progress line is redrawn;
 * otherwise each resource is printed once, as it settles (CI logs stay readable).
 */
export async function waitForChangeset(
  session: Session,
  items: readonly AppliedItem[],
  changeset: string,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const pending = new Map(items.map((item) => [objectRef(item.kind, item.name), item]));
  const why = new Map<string, string>();
  const outcome: WaitOutcome = { ready: [], failed: [], pending: [] };
  const tty = session.io.stdout.isTTY === true;
  const interval = session.io.pollIntervalMs ?? 500;
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const read = await readPending(session, pending);
    for (const [ref, item] of pending) {
      const state = waitStateOf(read.get(ref), item, changeset);
      if (state.state === 'pending') {
        why.set(ref, state.why);
        continue;
      }
      pending.delete(ref);
      if (state.state === 'ready') outcome.ready.push(ref);
      else outcome.failed.push({ ref, why: state.why });
      if (!tty)
        session.out(
          state.state === 'ready'
            ? `${ref} Ready (changeset ${changeset})`
            : `${ref} failed (changeset ${changeset}): ${state.why}`,
        );
    }
    if (tty) {
      const [first] = pending.keys();
      const line = progressLine(
        { ready: outcome.ready.length, failed: outcome.failed.length, pending: pending.size },
        changeset,
        Date.now() - started,
        first ? { ref: first, why: why.get(first) ?? '' } : undefined,
      );
      session.io.stdout.write(`\r\x1b[K${line}${pending.size === 0 ? '\n' : ''}`);
    }
    if (pending.size === 0) return outcome;
    if (Date.now() + interval > deadline) {
      if (tty) session.io.stdout.write('\n');
      outcome.pending = [...pending.keys()].map((ref) => ({ ref, why: why.get(ref) ?? 'not read yet' }));
      return outcome;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
