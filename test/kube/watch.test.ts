/**
 * The facade's watch (`?watch=true`) over real HTTPS, as client-go reads it: newline-delimited
 * JSON events streamed from the tenant's journal. ADDED / MODIFIED / DELETED for native writes,
 * the current state first without a resourceVersion, label and field selectors, bookmarks at the
 * journal position, 410 Gone once retention pruned the start, Tables, tenant isolation and the
 * kind's read permission. The engine is off: nothing but the test writes.
 */

import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/engine/queue/work-queue.js';
import { adminToken, call, loginToken, TEST_ADMIN_PASSWORD } from '../support/server.js';
import { type KubeServer, useKubeServer } from './kube-server.js';

const DEVICES = '/apis/steward.dev/v1/devices';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface KubeMeta {
  name: string;
  uid: string;
  resourceVersion: string;
  labels?: Record<string, string>;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: {
    apiVersion: string;
    kind: string;
    metadata: KubeMeta;
    spec?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

/** What a watch request was answered: the status, and a refusal's whole body (a Status). */
interface WatchResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body of a refused watch (not 200), parsed. */
  body?: Record<string, unknown>;
}

/** One watch request: its response once the headers arrive, its events one at a time. */
interface OpenWatch {
  response: Promise<WatchResponse>;
  next(timeoutMs?: number): Promise<WatchEvent>;
  /** The event that arrives within `ms`, if one does (kept for next()): undefined when quiet. */
  eventWithin(ms: number): Promise<WatchEvent | undefined>;
  close(): void;
}

/**
 * GETs `path` over HTTPS with the suite's CA and reads newline-delimited JSON events; `response`
 * settles with the headers, which the server sends as soon as the watch is set up.
 */
function watch(kube: KubeServer, path: string, options: { token?: string; accept?: string } = {}): OpenWatch {
  const controller = new AbortController();
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const finish = () => {
    ended = true;
    wake?.();
  };
  const response = new Promise<WatchResponse>((resolve, reject) => {
    const req = request(
      new URL(path, kube.server.url),
      {
        ca: readFileSync(kube.tls.cert),
        signal: controller.signal,
        headers: {
          authorization: `Bearer ${options.token ?? adminToken(kube.server)}`,
          accept: options.accept ?? 'application/json',
        },
      },
      (incoming) => {
        const status = incoming.statusCode ?? 0;
        let buffered = '';
        incoming.setEncoding('utf8');
        incoming.on('end', finish);
        incoming.on('error', finish);
        incoming.on('close', finish);
        if (status !== 200) {
          incoming.on('data', (chunk: string) => {
            buffered += chunk;
          });
          incoming.on('end', () =>
            resolve({
              status,
              headers: incoming.headers,
              body: JSON.parse(buffered) as Record<string, unknown>,
            }),
          );
          return;
        }
        resolve({ status, headers: incoming.headers });
        incoming.on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim() !== '') events.push(JSON.parse(line) as WatchEvent);
            newline = buffered.indexOf('\n');
          }
          wake?.();
        });
      },
    );
    req.on('error', (error) => {
      finish();
      if (!controller.signal.aborted) reject(error);
    });
    req.end();
  });
  // A refusal is read through `response`; an unread rejection must not fail the run.
  response.catch(() => undefined);
  const arrival = (ms: number) =>
    new Promise<void>((settle) => {
      if (events.length > 0 || ended) return settle();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        settle();
      }
      wake = done;
    });
  return {
    response,
    async next(timeoutMs = 5_000) {
      await arrival(timeoutMs);
      const event = events.shift();
      if (event) return event;
      throw new Error(ended ? 'the watch ended' : `no watch event within ${timeoutMs} ms`);
    },
    async eventWithin(ms) {
      await arrival(ms);
      return events[0];
    },
    close: () => controller.abort(),
  };
}

function device(name: string, labels: Record<string, string> = {}, displayName = name): string {
  return [
    'apiVersion: steward.dev/v1',
    'kind: Device',
    'metadata:',
    `  name: ${name}`,
    `  labels: ${JSON.stringify(labels)}`,
    'spec:',
    '  platform: linux',
    `  permanentIdentifier: ${name}-id`,
    `  displayName: ${JSON.stringify(displayName)}`,
    '',
  ].join('\n');
}

const CA = `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: watch-root
spec:
  type: root
  subject: {commonName: Watch Root}
  keyAlgorithm: ECDSA-P256
  validity: 87600h
`;

async function apply(kube: KubeServer, yaml: string, token?: string): Promise<void> {
  const reply = await call(kube.server, 'POST', '/api/v1/apply', { yaml, token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

async function listVersion(kube: KubeServer, token?: string): Promise<string> {
  const list = await call<{ metadata: { resourceVersion: string }; items: Array<{ metadata: KubeMeta }> }>(
    kube.server,
    'GET',
    DEVICES,
    { token },
  );
  expect(list.status).toBe(200);
  return list.body.metadata.resourceVersion;
}

/** Runs `body` with the watch open, and closes it however the body ends. */
async function watching<T>(stream: OpenWatch, body: (stream: OpenWatch) => Promise<T>): Promise<T> {
  try {
    // The server answers the 200 once the watch is set up: changes made after it are events.
    await stream.response.catch(() => undefined);
    return await body(stream);
  } finally {
    stream.close();
  }
}

describe('the Kubernetes watch over HTTPS', () => {
  const kube = useKubeServer();

  it('streams ADDED, MODIFIED and DELETED for native writes from a list’s resourceVersion, and nothing of other kinds', async () => {
    const version = await listVersion(kube);
    expect(version).toMatch(/^\d+$/);
    await watching(watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}`), async (stream) => {
      await apply(kube, CA);
      await apply(kube, device('w-a', { app: 'watch' }, 'first'));
      const added = await stream.next();
      const response = await stream.response;
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(added.type).toBe('ADDED');
      expect(added.object).toMatchObject({
        apiVersion: 'steward.dev/v1',
        kind: 'Device',
        metadata: { name: 'w-a', labels: { app: 'watch' } },
        spec: { displayName: 'first' },
      });
      const native = await call<{
        metadata: { uid: string; resourceVersion: string; finalizers?: string[] };
      }>(kube.server, 'GET', '/api/v1/devices/w-a');
      expect(added.object.metadata.uid).toBe(native.body.metadata.uid);
      expect(added.object.metadata.resourceVersion).toBe(native.body.metadata.resourceVersion);
      expect(native.body.metadata.finalizers).toBeUndefined();

      await apply(kube, device('w-a', { app: 'watch' }, 'second'));
      const modified = await stream.next();
      expect(modified.type).toBe('MODIFIED');
      expect(modified.object.metadata.name).toBe('w-a');
      expect(modified.object.spec?.displayName).toBe('second');
      expect(Number(modified.object.metadata.resourceVersion)).toBeGreaterThan(
        Number(added.object.metadata.resourceVersion),
      );

      // Another kind changes again: still nothing on this watch.
      await apply(kube, CA.replace('Watch Root', 'Watch Root Two'));
      const removed = await call(kube.server, 'DELETE', '/api/v1/devices/w-a');
      expect(removed.status, JSON.stringify(removed.body)).toBeLessThan(300);
      // No finalizers and no engine: the device is gone at once, not marked for deletion.
      expect((await call(kube.server, 'GET', '/api/v1/devices/w-a')).status).toBe(404);
      const deleted = await stream.next();
      expect(deleted.type).toBe('DELETED');
      // The last state this watch sent.
      expect(deleted.object.metadata).toMatchObject({ name: 'w-a', uid: native.body.metadata.uid });
      expect(deleted.object.spec?.displayName).toBe('second');
      expect(await stream.eventWithin(500)).toBeUndefined();
    });
  });

  it('sends the current objects first as ADDED without a resourceVersion (or with 0), then the changes', async () => {
    await apply(kube, `${device('b-1', { app: 'initial' })}---\n${device('b-2', { app: 'initial' })}`);
    for (const query of ['watch=true', 'watch=true&resourceVersion=0']) {
      const list = await call<{ items: Array<{ metadata: KubeMeta }> }>(kube.server, 'GET', DEVICES);
      const names = list.body.items.map((item) => item.metadata.name).sort();
      expect(names).toEqual(expect.arrayContaining(['b-1', 'b-2']));
      await watching(watch(kube, `${DEVICES}?${query}`), async (stream) => {
        const initial: WatchEvent[] = [];
        for (const _ of names) initial.push(await stream.next());
        expect(initial.map((event) => event.type)).toEqual(names.map(() => 'ADDED'));
        expect(initial.map((event) => event.object.metadata.name).sort()).toEqual(names);
        expect(await stream.eventWithin(300)).toBeUndefined();

        await apply(kube, device('b-1', { app: 'initial' }, `changed by ${query}`));
        const modified = await stream.next();
        expect([modified.type, modified.object.metadata.name]).toEqual(['MODIFIED', 'b-1']);
        await apply(kube, device(`b-new-${names.length}`));
        const added = await stream.next();
        expect([added.type, added.object.metadata.name]).toEqual(['ADDED', `b-new-${names.length}`]);
      });
    }
  });

  it('filters by labelSelector and by fieldSelector=metadata.name', async () => {
    await apply(kube, `${device('c-edge', { team: 'edge' })}---\n${device('c-core', { team: 'core' })}`);
    const version = await listVersion(kube);

    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&labelSelector=team%3Dedge`),
      async (stream) => {
        await apply(kube, device('c-core', { team: 'core' }, 'core changed'));
        await apply(kube, device('c-edge', { team: 'edge' }, 'edge changed'));
        const first = await stream.next();
        expect([first.type, first.object.metadata.name]).toEqual(['MODIFIED', 'c-edge']);
        await apply(kube, device('c-edge-2', { team: 'edge' }));
        const second = await stream.next();
        expect([second.type, second.object.metadata.name]).toEqual(['ADDED', 'c-edge-2']);
      },
    );

    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&fieldSelector=metadata.name%3Dc-core`),
      async (stream) => {
        // Replayed from the list's version: the two changes above, only c-core's delivered.
        const replayed = await stream.next();
        expect([replayed.type, replayed.object.metadata.name]).toEqual(['MODIFIED', 'c-core']);
        await apply(kube, device('c-edge', { team: 'edge' }, 'edge again'));
        await apply(kube, device('c-core', { team: 'core' }, 'core again'));
        const next = await stream.next();
        expect([next.type, next.object.metadata.name, next.object.spec?.displayName]).toEqual([
          'MODIFIED',
          'c-core',
          'core again',
        ]);
      },
    );

    // Without a resourceVersion a name selector sends only that object first.
    await watching(
      watch(kube, `${DEVICES}?watch=true&fieldSelector=metadata.name%3Dc-edge`),
      async (stream) => {
        const initial = await stream.next();
        expect([initial.type, initial.object.metadata.name]).toEqual(['ADDED', 'c-edge']);
        expect(await stream.eventWithin(300)).toBeUndefined();
      },
    );
  });

  // Kubernetes' watch cache filters a deleted object by its labels, sends DELETED (with the
  // object's last state) when an object stops matching a watch's label selector and ADDED when it
  // starts to (apiserver cacheWatcher.convertToWatchEvent): informers with a selector depend on
  // the first two to drop objects.
  it('does not send DELETED for an object the label selector does not select', async () => {
    await apply(kube, `${device('s-edge', { team: 'edge' })}---\n${device('s-core', { team: 'core' })}`);
    const version = await listVersion(kube);
    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&labelSelector=team%3Dedge`),
      async (stream) => {
        expect((await call(kube.server, 'DELETE', '/api/v1/devices/s-core')).status).toBeLessThan(300);
        await apply(kube, device('s-edge', { team: 'edge' }, 'after the delete'));
        const event = await stream.next();
        expect([event.type, event.object.metadata.name]).toEqual(['MODIFIED', 's-edge']);
      },
    );
  });

  it('sends DELETED when an object leaves the label selection', async () => {
    await apply(kube, device('l-edge', { team: 'edge' }));
    const version = await listVersion(kube);
    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&labelSelector=team%3Dedge`),
      async (stream) => {
        await apply(kube, device('l-edge', { team: 'core' }, 'moved to core'));
        await apply(kube, device('l-marker', { team: 'edge' }));
        const left = await stream.next();
        expect([left.type, left.object.metadata.name]).toEqual(['DELETED', 'l-edge']);
      },
    );
  });

  it('sends ADDED, not MODIFIED, when an existing object enters the label selection', async () => {
    await apply(kube, device('n-core', { team: 'core' }));
    const version = await listVersion(kube);
    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&labelSelector=team%3Dedge`),
      async (stream) => {
        await apply(kube, device('n-core', { team: 'edge' }, 'moved to edge'));
        const entered = await stream.next();
        expect([entered.type, entered.object.metadata.name]).toEqual(['ADDED', 'n-core']);
      },
    );
  });

  // Kubernetes' API server writes and flushes a watch's 200 and headers at once; client-go's
  // Watch() (and any client with a response-header timeout) returns only when they arrive. Steward
  // flushes them at once too.
  it('answers the headers of a watch at once, before any event', async () => {
    const version = await listVersion(kube);
    await watching(watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}`), async (stream) => {
      const answered = await Promise.race([
        stream.response.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_500)),
      ]);
      expect(answered).toBe(true);
    });
  });

  it('sends a BOOKMARK at the journal position when asked, from which a watch resumes', async () => {
    const version = await listVersion(kube);
    const bookmark = await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&allowWatchBookmarks=true`),
      async (stream) => {
        await apply(kube, device('d-1'));
        expect((await stream.next()).type).toBe('ADDED');
        const head = await listVersion(kube);
        expect(Number(head)).toBeGreaterThan(Number(version));
        // Right after the batch's events (in the same write), at the journal position they end at.
        const event = await stream.next(1_000);
        expect(event).toEqual({
          type: 'BOOKMARK',
          object: { kind: 'Device', apiVersion: 'steward.dev/v1', metadata: { resourceVersion: head } },
        });
        // And every 5 s while quiet.
        expect(await stream.next(7_000)).toEqual(event);
        return event.object.metadata.resourceVersion;
      },
    );
    await watching(watch(kube, `${DEVICES}?watch=true&resourceVersion=${bookmark}`), async (stream) => {
      await apply(kube, device('d-2'));
      const event = await stream.next();
      expect([event.type, event.object.metadata.name]).toEqual(['ADDED', 'd-2']);
    });
  });

  it('leaves an informer’s last resourceVersion a journal position: a resumed watch repeats nothing', async () => {
    await apply(kube, device('r-1'));
    await apply(kube, device('r-1', {}, 'edited once'));
    await apply(kube, device('r-1', {}, 'edited twice'));
    const version = await listVersion(kube);
    // What client-go's reflector keeps: the resourceVersion of the last event it read.
    const lastSeen = await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}&allowWatchBookmarks=true`),
      async (stream) => {
        await apply(kube, device('r-1', {}, 'edited thrice'));
        const modified = await stream.next();
        expect([modified.type, modified.object.metadata.resourceVersion]).toEqual(['MODIFIED', '4']);
        const after = await stream.next(1_000);
        expect(after.type).toBe('BOOKMARK');
        return after.object.metadata.resourceVersion;
      },
    );
    // An object's own counter (4) would have replayed the journal from seq 4; the bookmark's
    // position resumes after the last change the client saw.
    expect(Number(lastSeen)).toBeGreaterThan(4);
    await watching(watch(kube, `${DEVICES}?watch=true&resourceVersion=${lastSeen}`), async (stream) => {
      expect(await stream.eventWithin(800)).toBeUndefined();
      await apply(kube, device('r-2'));
      const event = await stream.next();
      expect([event.type, event.object.metadata.name]).toEqual(['ADDED', 'r-2']);
    });
  });

  it('answers each event’s object as a Table of one row when asked for Tables', async () => {
    const version = await listVersion(kube);
    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${version}`, { accept: TABLE }),
      async (stream) => {
        // One change at a time: changes of one journal batch come as one event, the current state.
        for (const [type, displayName] of [
          ['ADDED', 'f-1'],
          ['MODIFIED', 'tabled'],
        ]) {
          await apply(kube, device('f-1', { app: 'table' }, displayName));
          const event = await stream.next();
          expect(event.type).toBe(type);
          const table = event.object as unknown as {
            kind: string;
            apiVersion: string;
            columnDefinitions: Array<{ name: string }>;
            rows: Array<{ cells: unknown[]; object: { kind: string; metadata: KubeMeta } }>;
          };
          expect(table.kind).toBe('Table');
          expect(table.apiVersion).toBe('meta.k8s.io/v1');
          expect(table.columnDefinitions.map((column) => column.name).slice(0, 4)).toEqual([
            'Name',
            'Ready',
            'Reason',
            'PLATFORM',
          ]);
          expect(table.rows).toHaveLength(1);
          expect(table.rows[0].cells.slice(0, 4)).toEqual(['f-1', 'Unknown', '<none>', 'linux']);
          expect(table.rows[0].object.kind).toBe('PartialObjectMetadata');
          expect(table.rows[0].object.metadata).toMatchObject({ name: 'f-1', labels: { app: 'table' } });
        }
      },
    );
  });

  it('never shows another tenant’s changes', async () => {
    const created = await call(kube.server, 'POST', '/api/v1/tenants', {
      body: { name: 'watch-b', admin: { username: 'bea', password: 'tenant-b-password-1' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const tenantB = await loginToken(kube.server, 'bea', 'tenant-b-password-1', 'watch-b');
    const versionB = await listVersion(kube, tenantB);
    expect(Number(versionB)).toBeLessThan(Number(await listVersion(kube)));

    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${versionB}`, { token: tenantB }),
      async (stream) => {
        await apply(kube, device('g-default', {}, 'seen only in default'));
        // A write of tenant B after it: the first event B sees is its own.
        await apply(kube, device('g-b-1'), tenantB);
        const event = await stream.next();
        expect([event.type, event.object.metadata.name]).toEqual(['ADDED', 'g-b-1']);
        expect((await stream.response).status).toBe(200);
        expect(await stream.eventWithin(300)).toBeUndefined();
      },
    );

    // Without a resourceVersion: tenant B's objects only, then B's changes only.
    await watching(watch(kube, `${DEVICES}?watch=true`, { token: tenantB }), async (stream) => {
      const initial = await stream.next();
      expect([initial.type, initial.object.metadata.name]).toEqual(['ADDED', 'g-b-1']);
      await apply(kube, device('g-default', {}, 'changed in default'));
      await apply(kube, device('g-b-2'), tenantB);
      const event = await stream.next();
      expect([event.type, event.object.metadata.name]).toEqual(['ADDED', 'g-b-2']);
      expect(await stream.eventWithin(300)).toBeUndefined();
    });
  });

  it('refuses a credential without devices:read with a 403 naming it, as a Kubernetes Status', async () => {
    const key = await call<{ key: string }>(kube.server, 'POST', '/api/v1/keys', {
      body: { type: 'fine-grained', name: 'journal-only', permissions: ['journal:read'] },
    });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const refused = await watch(kube, `${DEVICES}?watch=true`, { token: key.body.key }).response;
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ apiVersion: 'v1', kind: 'Status', code: 403, reason: 'Forbidden' });
    expect(refused.body?.message).toContain('devices:read');
    // The same key may follow the journal itself: the refusal is the kind's permission.
    const journal = await call(kube.server, 'GET', '/api/v1/journal?limit=1', { token: key.body.key });
    expect(journal.status).toBe(200);
  });
});

/** A clock the test moves by hand (the engine is off, so its timers are plain ones). */
function manualClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('a watch from a position journal retention pruned', () => {
  const clock = manualClock(Date.now());
  const kube = useKubeServer({ options: { clock } });

  it('is answered 410 Gone (Expired) as a Kubernetes Status; from the checkpoint on it streams', async () => {
    await apply(kube, device('e-1'));
    const old = await listVersion(kube);
    await apply(kube, device('e-2'));
    await apply(kube, device('e-3'));

    // Past the default retention (365 days), then the retention pass the server runs hourly.
    clock.advance(400 * 86_400_000);
    const report = await kube.server.services.journalService.retention.pruneTenant('default');
    expect(report.refused).toBeUndefined();
    expect(report.checkpointSeq).toBeGreaterThan(Number(old));
    // Sessions are 12 h: the admin logs in again on the moved clock.
    const token = await loginToken(kube.server, 'admin', TEST_ADMIN_PASSWORD);

    const gone = await watch(kube, `${DEVICES}?watch=true&resourceVersion=${old}`, { token }).response;
    expect(gone.status).toBe(410);
    expect(gone.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${old} (${report.checkpointSeq})`,
      reason: 'Expired',
      details: { group: 'steward.dev', kind: 'devices' },
      code: 410,
    });

    await watching(
      watch(kube, `${DEVICES}?watch=true&resourceVersion=${report.checkpointSeq}`, { token }),
      async (stream) => {
        // The head was not pruned: its change comes first, then the new ones.
        const kept = await stream.next();
        expect([kept.type, kept.object.metadata.name]).toEqual(['ADDED', 'e-3']);
        expect((await stream.response).status).toBe(200);
        await apply(kube, device('e-4'), token);
        const event = await stream.next();
        expect([event.type, event.object.metadata.name]).toEqual(['ADDED', 'e-4']);
      },
    );
  });
});
