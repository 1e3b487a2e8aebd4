/**
 * What a Kubernetes client builds from the facade's watch agrees with Steward's native reads
 * (issue #19). Random edit sequences on two Devices — labels moving them in and out of a label
 * selection, annotations and spec changes through the facade's merge patch and server-side apply,
 * native applies, native and facade deletes, re-creations — are followed by a watch opened at a
 * list's resourceVersion, as an informer opens it. Once the watch has delivered a sentinel written
 * last (events come in journal order), the objects its client holds (ADDED and MODIFIED replace,
 * DELETED removes) are exactly the native list of the selection, field for field, and no event
 * broke Kubernetes' rules on the way. (That every GET agrees after every step is
 * native-vs-facade.property.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adminToken, call } from '../support/server.js';
import { useKubeServer } from './kube-server.js';

const kube = useKubeServer();
const FACADE = '/apis/steward.dev/v1/devices';

type Slot = 1 | 2;
type Team = 'a' | 'b' | null;
type Step =
  | { op: 'nativeApply'; slot: Slot; team: Team; display: string }
  | { op: 'mergeLabel'; slot: Slot; team: Team }
  | { op: 'serverSideApply'; slot: Slot; team: Team; display: string; force: boolean }
  | { op: 'annotate'; slot: Slot; note: string }
  | { op: 'mergeSpec'; slot: Slot; display: string }
  | { op: 'nativeDelete'; slot: Slot }
  | { op: 'facadeDelete'; slot: Slot };

const slot = fc.constantFrom<Slot>(1, 2);
const team = fc.constantFrom<Team>('a', 'b', null);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('nativeApply' as const), slot, team, display: word }),
  fc.record({ op: fc.constant('mergeLabel' as const), slot, team }),
  fc.record({ op: fc.constant('serverSideApply' as const), slot, team, display: word, force: fc.boolean() }),
  fc.record({ op: fc.constant('annotate' as const), slot, note: word }),
  fc.record({ op: fc.constant('mergeSpec' as const), slot, display: word }),
  fc.record({ op: fc.constant('nativeDelete' as const), slot }),
  fc.record({ op: fc.constant('facadeDelete' as const), slot }),
);

interface Resource {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    creationTimestamp?: string;
    createdAt?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string | null;
  };
  spec: { displayName?: string };
  status: unknown;
}

/** A Device as both views should show it, under the Kubernetes names. */
function comparable(object: Resource) {
  const { metadata } = object;
  return {
    name: metadata.name,
    uid: metadata.uid,
    generation: metadata.generation,
    resourceVersion: metadata.resourceVersion,
    // The native view's createdAt is the facade's creationTimestamp.
    creationTimestamp: metadata.creationTimestamp ?? metadata.createdAt,
    labels: metadata.labels ?? {},
    annotations: metadata.annotations ?? {},
    finalizers: metadata.finalizers ?? [],
    deletionTimestamp: metadata.deletionTimestamp ?? undefined,
    spec: object.spec,
    status: object.status,
  };
}

const byName = (x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name);

/** What a watch's client holds, as an informer keeps it, and every rule an event broke. */
class Follower {
  readonly held = new Map<string, Resource>();
  readonly broken: string[] = [];
  private wake?: () => void;

  onEvent(type: string, object: Resource): void {
    const name = object.metadata.name;
    const before = this.held.get(name);
    if (type === 'ADDED') {
      if (before) this.broken.push(`ADDED ${name}, which the client holds`);
      this.held.set(name, object);
    } else if (type === 'MODIFIED') {
      if (!before) this.broken.push(`MODIFIED ${name}, which the client does not hold`);
      else if (before.metadata.uid !== object.metadata.uid)
        this.broken.push(
          `MODIFIED ${name} to uid ${object.metadata.uid}, the client holds ${before.metadata.uid}`,
        );
      this.held.set(name, object);
    } else if (type === 'DELETED') {
      if (!before) this.broken.push(`DELETED ${name}, which the client does not hold`);
      this.held.delete(name);
    } else if (type !== 'BOOKMARK') this.broken.push(`${type}: ${JSON.stringify(object)}`);
    this.wake?.();
  }

  /** Waits (5 s at most) until the client holds `name` with displayName `display`. */
  async until(name: string, display: string): Promise<boolean> {
    const deadline = Date.now() + 5_000;
    const arrived = () => this.held.get(name)?.spec.displayName === display;
    while (!arrived() && Date.now() < deadline)
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    return arrived();
  }
}

/**
 * One property run: its own names and `run` label (runs share the server, never objects), a
 * watch of the selection `run=<id>,team=a` from a list's resourceVersion, and a sentinel in the
 * selection whose changes tell when the watch has caught up.
 */
class Session {
  private static count = 0;
  readonly id = `r${++Session.count}`;
  readonly selector = `run=${this.id},team=a`;
  readonly sentinel = this.name('sentinel');
  readonly follower = new Follower();
  private syncs = 0;
  private stop?: () => void;

  name(slot: Slot | 'sentinel'): string {
    return `nf-${this.id}-${slot}`;
  }

  manifest(slot: Slot | 'sentinel', team: Team, display: string) {
    const name = this.name(slot);
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name, labels: team ? { run: this.id, team } : { run: this.id } },
      spec: { platform: 'linux', permanentIdentifier: `${name}-id`, displayName: display },
    };
  }

  async open(config: KubeConfig): Promise<void> {
    const listed = await call<{ metadata: { resourceVersion: string } }>(
      kube.server,
      'GET',
      `${FACADE}?labelSelector=${encodeURIComponent(this.selector)}`,
    );
    const watch = await new Watch(config).watch(
      FACADE,
      { labelSelector: this.selector, resourceVersion: listed.body.metadata.resourceVersion },
      (type, object: Resource) => this.follower.onEvent(type, object),
      () => undefined,
    );
    this.stop = () => watch.abort();
  }

  close(): void {
    this.stop?.();
  }

  /** Changes the sentinel and waits for the watch to deliver it: every earlier change is in. */
  async sync(): Promise<void> {
    const display = `s${++this.syncs}`;
    const applied = await call(kube.server, 'POST', '/api/v1/apply', {
      body: this.manifest('sentinel', 'a', display),
    });
    expect(applied.status).toBe(200);
    expect(await this.follower.until(this.sentinel, display), 'the watch delivered the sentinel').toBe(true);
  }

  /** The client's objects (the sentinel aside) against the native list of the selection. */
  async compare(): Promise<{ held: unknown[]; native: unknown[] }> {
    const native = await call<{ items: Resource[] }>(
      kube.server,
      'GET',
      `/api/v1/devices?labelSelector=${encodeURIComponent(this.selector)}`,
    );
    const outside = (object: Resource) => object.metadata.name !== this.sentinel;
    return {
      held: [...this.follower.held.values()].filter(outside).map(comparable).sort(byName),
      native: native.body.items.filter(outside).map(comparable).sort(byName),
    };
  }
}

async function facade(
  method: 'PATCH' | 'DELETE',
  url: string,
  type?: string,
  body?: string,
): Promise<number> {
  const reply = await kube.server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${adminToken(kube.server)}`,
      ...(type ? { 'content-type': type } : {}),
    },
    ...(body === undefined ? {} : { payload: body }),
  });
  return reply.statusCode;
}

/** One step; a refusal (a conflict, a missing object) is part of the game, a 5xx never. */
async function perform(session: Session, one: Step): Promise<void> {
  const name = session.name(one.slot);
  const url = `${FACADE}/${name}`;
  const merge = (patch: unknown) =>
    facade('PATCH', url, 'application/merge-patch+json', JSON.stringify(patch));
  let status: number;
  switch (one.op) {
    case 'nativeApply':
      status = (
        await call(kube.server, 'POST', '/api/v1/apply', {
          body: session.manifest(one.slot, one.team, one.display),
        })
      ).status;
      break;
    case 'mergeLabel':
      status = await merge({ metadata: { labels: { team: one.team } } });
      break;
    case 'serverSideApply':
      status = await facade(
        'PATCH',
        `${url}?fieldManager=property&force=${one.force}`,
        'application/apply-patch+yaml',
        JSON.stringify(session.manifest(one.slot, one.team, one.display)),
      );
      break;
    case 'annotate':
      status = await merge({ metadata: { annotations: { note: one.note } } });
      break;
    case 'mergeSpec':
      status = await merge({ spec: { displayName: one.display } });
      break;
    case 'nativeDelete':
      status = (await call(kube.server, 'DELETE', `/api/v1/devices/${name}`)).status;
      break;
    case 'facadeDelete':
      status = await facade('DELETE', url);
      break;
  }
  expect([200, 201, 404, 409], JSON.stringify(one)).toContain(status);
}

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      { name: 'steward', server: kube.server.url, caData: readFileSync(kube.tls.cert).toString('base64') },
    ],
    users: [{ name: 'admin', token: adminToken(kube.server) }],
    contexts: [{ name: 'steward', cluster: 'steward', user: 'admin' }],
    currentContext: 'steward',
  });
  return config;
}

describe('a watch of the facade against native reads', () => {
  it('leaves its client holding exactly the native list of the selection after random edit sequences', {
    timeout: 60_000,
  }, async () => {
    const config = kubeConfig();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const session = new Session();
        await session.open(config);
        try {
          await session.sync();
          for (const one of steps) {
            await perform(session, one);
            // A deletion reaches the watch before the name is created again (the case where the
            // watch reads both in one pass is the test below).
            if (one.op === 'nativeDelete' || one.op === 'facadeDelete') await session.sync();
          }
          await session.sync();
          const { held, native } = await session.compare();
          expect(session.follower.broken, JSON.stringify(steps)).toEqual([]);
          expect(held, JSON.stringify(steps)).toEqual(native);
        } finally {
          session.close();
        }
      }),
      { numRuns: 30 },
    );
  });

  // A Device deleted and at once created again under the same name: the watch may read the new
  // object when it handles the journal's delete entry; it compares uids and sends DELETED for the
  // old object, then ADDED for the new, as Kubernetes does.
  it('tells a client holding a Device that it was deleted and created again', {
    timeout: 30_000,
  }, async () => {
    const session = new Session();
    await session.open(kubeConfig());
    try {
      await session.sync();
      const recreate = async (display: string) => {
        expect((await call(kube.server, 'DELETE', `/api/v1/devices/${session.name(1)}`)).status).toBe(200);
        const created = await call(kube.server, 'POST', '/api/v1/apply', {
          body: session.manifest(1, 'a', display),
        });
        expect(created.status).toBe(200);
      };
      expect(
        (await call(kube.server, 'POST', '/api/v1/apply', { body: session.manifest(1, 'a', 'first') }))
          .status,
      ).toBe(200);
      await session.sync();
      // Several rounds: each is one chance for the watch to read the deletion after the re-creation.
      for (let round = 1; round <= 5; round++) {
        await recreate(`round-${round}`);
        await session.sync();
        const { held, native } = await session.compare();
        expect(session.follower.broken).toEqual([]);
        expect(held).toEqual(native);
      }
    } finally {
      session.close();
    }
  });
});
