/**
 * Test support for killing Steward mid-rollout: Steward as a real child process (src/main.ts),
 * a TCP forwarder standing in for a load balancer in front of device API listeners, the REST calls
 * the crash suites make, and a simulated fleet whose agents record every assignment they are given
 * and every success they report, so a test can compare what devices saw with what the database says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Code, ConnectError } from '@connectrpc/connect';
import { DeviceAgent } from '../../src/device-agent/agent.js';
import { type FleetAgent, type FleetOptions, SimulatedFleet } from '../../src/device-agent/fleet.js';
import { UpdateState } from '../../src/device-api/gen/steward/device/v1/device_pb.js';

const ROOT = join(import.meta.dirname, '..', '..');
export const ADMIN_PASSWORD = 'crash-admin-password';
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StewardProcess {
  child: ChildProcess;
  /** The REST API, e.g. http://127.0.0.1:8080 */
  url: string;
  /** The device API's own port. */
  devicePort: number;
  /** The last 64 KiB the process printed (for failure messages). */
  output(): string;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

/** `steward` (src/main.ts) in a process of its own, resolved once both listeners are up. */
export function startSteward(env: Record<string, string>): Promise<StewardProcess> {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, STEWARD_HOST: '127.0.0.1', STEWARD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Steward did not start:\n${output}`)), 60_000);
    // Read to the end: a full pipe would block the child.
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-65_536);
      const device = /device API \(.*\) listening on https:\/\/[^:]+:(\d+)/.exec(output);
      const listening = /Steward listening on (http:\/\/\S+)/.exec(output);
      if (device && listening) {
        clearTimeout(timer);
        resolve({ child, url: listening[1], devicePort: Number(device[1]), output: () => output, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Steward exited with ${code ?? signal}:\n${output}`));
    });
  });
}

/** SIGKILL: no shutdown hook, no flush; resolves once the process is gone. */
export async function killHard(steward: StewardProcess): Promise<void> {
  if (steward.child.exitCode === null && steward.child.signalCode === null) steward.child.kill('SIGKILL');
  await steward.exited;
}

/** A port nothing listens on now (for a process that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A load balancer's stand-in: forwards each TCP connection to the current target port, TLS and
 * all (the device API's mTLS is end to end). Retargeting sends new connections elsewhere; a
 * connection whose upstream dies is closed on the device's side too, so the agent reconnects.
 */
export class Forwarder {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    public target: number,
  ) {}

  static async listen(target: number): Promise<Forwarder> {
    const server = createServer();
    const forwarder = new Forwarder(server, target);
    server.on('connection', (client) => forwarder.forward(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return forwarder;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** The admin's REST session on one process (sessions live in the database: valid on every process). */
export class StewardApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static async login(url: string): Promise<StewardApi> {
    const response = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { sessionToken } = (await response.json()) as { sessionToken: string };
    return new StewardApi(url, sessionToken);
  }

  /** The same session on another process. */
  on(url: string): StewardApi {
    return new StewardApi(url, this.token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async get<T>(path: string): Promise<T> {
    const reply = await this.request<T>('GET', path);
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    const reply = await this.request<T>('POST', path, body);
    if (reply.status !== 200 && reply.status !== 201)
      throw new Error(`POST ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }
}

/** Polls until `probe` answers something other than undefined. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error; // a process restarting; try again
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

type Conditioned = { status?: { conditions?: Array<{ type: string; status: string }> } };
const isReady = (resource: Conditioned) =>
  resource.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True');

/** A device root and intermediate, Ready, and an enrollment token for `uses` devices labelled fleet=crash. */
export async function deviceCaAndToken(api: StewardApi, uses: number): Promise<string> {
  const ca = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'steward.dev/v1',
    kind: 'CertificateAuthority',
    metadata: { name },
    spec,
  });
  await api.post('/api/v1/apply', [
    ca('device-root', { type: 'root', subject: { commonName: 'Crash Device Root' } }),
    ca('devices', {
      type: 'intermediate',
      parentRef: { name: 'device-root' },
      subject: { commonName: 'Crash Device Identities' },
      leafValidity: '720h',
    }),
  ]);
  await waitUntil(
    'the device CA',
    async () =>
      isReady(await api.get<Conditioned>('/api/v1/certificateauthorities/devices')) ? true : undefined,
    30_000,
  );
  const { token } = await api.post<{ token: string }>('/api/v1/enroll-tokens', {
    caRef: 'devices',
    maxUses: uses,
    labels: { fleet: 'crash' },
  });
  return token;
}

/** An Artifact, Ready (signed), and the tenant's update-signing keys that devices verify it with. */
export async function signedArtifact(
  api: StewardApi,
  name: string,
): Promise<Array<{ keyId: string; publicKeyPem: string }>> {
  await api.post('/api/v1/apply', [
    {
      apiVersion: 'steward.dev/v1',
      kind: 'Artifact',
      metadata: { name },
      spec: {
        version: '2.0.0',
        digest: `sha256:${'cd'.repeat(32)}`,
        size: 4096,
        platforms: ['linux'],
        url: `https://updates.example.com/${name}`,
      },
    },
  ]);
  await waitUntil(
    `Artifact ${name} Ready`,
    async () => (isReady(await api.get<Conditioned>(`/api/v1/artifacts/${name}`)) ? true : undefined),
    30_000,
  );
  return (await api.get<{ items: Array<{ keyId: string; publicKeyPem: string }> }>('/api/v1/signing-keys'))
    .items;
}

/** What one device saw and said, recorded on its side of the connection; and whether it is online. */
export interface DeviceLedger {
  /** Offline, a device's check-ins fail before reaching the network (it keeps its results). */
  online: boolean;
  /** Distinct assignments received: `rollout/artifact/version/attempt`. */
  assignments: Set<string>;
  /** Distinct success reports sent (resent after a failed call, they count once). */
  successes: Set<string>;
  /** Check-ins sent that failed (the server went away), not counting those made offline. */
  failedCheckIns: number;
}

/**
 * A SimulatedFleet whose agents record, per device name, each assignment they receive and each
 * success they report (the fleet itself counts only totals), and that a test takes offline and
 * back. Devices start offline.
 */
export function recordingFleet(
  options: Omit<FleetOptions, 'createAgent'>,
  ledgers: Map<string, DeviceLedger>,
): SimulatedFleet {
  return new SimulatedFleet({
    ...options,
    createAgent: async (agentOptions) => {
      const agent = await DeviceAgent.create(agentOptions);
      const ledger: DeviceLedger = {
        online: false,
        assignments: new Set(),
        successes: new Set(),
        failedCheckIns: 0,
      };
      ledgers.set(agentOptions.name ?? agentOptions.identifier, ledger);
      const recording: FleetAgent = {
        get deviceName() {
          return agent.deviceName;
        },
        enroll: (token, displayName) => agent.enroll(token, displayName),
        async checkIn(report) {
          if (!ledger.online) throw new ConnectError('the device is offline (test)', Code.Unavailable);
          for (const result of report?.updateResults ?? [])
            if (result.state === UpdateState.SUCCEEDED)
              ledger.successes.add(
                `${result.rollout}/${result.artifact}/${result.version}/${result.attempt}`,
              );
          const answer = await agent.checkIn(report).catch((error: unknown) => {
            ledger.failedCheckIns++;
            throw error;
          });
          const assignment = answer.assignment;
          if (assignment?.version)
            ledger.assignments.add(
              `${assignment.rollout}/${assignment.artifact}/${assignment.version}/${assignment.attempt}`,
            );
          return answer;
        },
        verifyAssignment: (assignment) => agent.verifyAssignment(assignment),
        uploadLogs: (requestId, content, contentType) => agent.uploadLogs(requestId, content, contentType),
        renew: () => agent.renew(),
        close: () => agent.close(),
      };
      return recording;
    },
  });
}
