/**
 * A simulated fleet: N reference agents (agent.ts), each with its own key, CSR, certificate and
 * kept-alive mTLS connection, enrolled a few at a time and then checking in on their own timers.
 * What `steward simulate` and `npm run bench -- devices` run, and what a rollout test drives: it
 * verifies each assignment's signature (refusing what does not verify), "installs" it (a share
 * failed on purpose) and reports the result at once, uploads a small log bundle when asked,
 * renews when told to, and counts everything.
 *
 *   const fleet = new SimulatedFleet({ url, trustPem, enrollToken, devices: 100 });
 *   await fleet.enroll(signal);
 *   await fleet.run(signal);            // until the signal aborts
 *   console.log(fleet.stats());
 *   fleet.close();
 *
 * A device does one thing at a time (check in, then act on the answer, then sleep), as a real
 * agent does, so its own calls never race each other; devices run concurrently.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  type Assignment,
  type CheckInResponse,
  UpdateState,
} from '../device-api/gen/steward/device/v1/device_pb.js';
import { type AgentOptions, DeviceAgent } from './agent.js';
import { type AssignmentVerdict, refusalMessage } from './assignment-check.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { type SigningKeySource, SigningKeyring } from './signing-keyring.js';
import { UpdateJobs } from './update-jobs.js';

export { LatencyHistogram, type LatencySummary } from './latency-histogram.js';

export interface FleetOptions {
  /** The device API (https://host:port) and the PEM that agents trust to reach it. */
  url: string;
  trustPem: string;
  enrollToken: string;
  devices: number;
  /** Devices are `<prefix>-<i>`, i from 1 (their name and permanent identifier). */
  prefix?: string;
  platform?: string;
  /** Enrollments in flight at once (default 50). */
  concurrency?: number;
  /** Between two check-ins of a device (default 5 s); 0 checks in again as soon as answered. */
  checkInIntervalMs?: number;
  /** Each wait is the interval times a factor drawn in [1 - jitter, 1 + jitter] (default 0.1). */
  jitter?: number;
  /** Share of verified assignments whose install fails (UPDATE_STATE_FAILED; default 0). */
  failureRate?: number;
  /**
   * The tenant's update-signing public keys, or how to fetch them (fetched once for the whole
   * fleet, again once for an unknown key id). Without them every assignment is refused.
   */
  signingKeys?: SigningKeyring | SigningKeySource;
  /** What every device reports running until an assignment changes it. */
  installed?: { artifact: string; version: string };
  /** Size of a synthetic log bundle (default 4 KiB). */
  logBundleBytes?: number;
  /** Uniform in [0, 1): injectable for tests. */
  random?: () => number;
  /** Makes a device's agent (default DeviceAgent.create); tests put a stand-in for the server here. */
  createAgent?: (options: AgentOptions) => Promise<FleetAgent>;
}

/** What the fleet uses of a device's agent. */
export type FleetAgent = Pick<
  DeviceAgent,
  'deviceName' | 'enroll' | 'checkIn' | 'verifyAssignment' | 'uploadLogs' | 'renew' | 'close'
>;

export interface FleetStats {
  devices: number;
  enrolled: number;
  pendingApproval: number;
  checkIns: number;
  updatesSucceeded: number;
  updatesFailed: number;
  /** Assignments refused before installing (bad signature, unknown key, other platform); reported FAILED. */
  updatesRefused: number;
  logUploads: number;
  renewals: number;
  /** Failed calls by `<method> <code>`, e.g. `checkIn unavailable`. */
  errors: Record<string, number>;
  enrollLatency: LatencySummary;
  checkInLatency: LatencySummary;
}

/**
 * Update reports one heartbeat sends back to back: a server retrying a failed install at once
 * could otherwise keep a device reporting without pause.
 */
const MAX_REPORTS_PER_HEARTBEAT = 4;

/** `resource_exhausted`, as gRPC names a code. Pure. */
export function codeName(error: unknown): string {
  const code = ConnectError.from(error).code;
  return (Code[code] ?? String(code)).replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
}

interface SimulatedDevice {
  index: number;
  name: string;
  agent?: FleetAgent;
  enrolled: boolean;
  installed: { artifact: string; version: string };
  /** Results not yet delivered: sent by the next check-in, kept while check-ins fail. */
  results: Array<{
    rollout: string;
    artifact: string;
    version: string;
    state: UpdateState;
    message: string;
    attempt: number;
  }>;
  /** Assignments already acted on: each (rollout, artifact, version, attempt) once. */
  jobs: UpdateJobs;
  /** Log requests already answered: the server lists a request until its upload is recorded. */
  uploaded: Set<string>;
}

export class SimulatedFleet {
  private readonly devices: SimulatedDevice[];
  private readonly random: () => number;
  private readonly enrollLatency = new LatencyHistogram();
  private readonly checkInLatency = new LatencyHistogram();
  private readonly counters = {
    checkIns: 0,
    updatesSucceeded: 0,
    updatesFailed: 0,
    updatesRefused: 0,
    logUploads: 0,
    renewals: 0,
  };
  private readonly errors = new Map<string, number>();
  /** One for the fleet: each key is fetched and parsed once, not once per device. */
  private readonly signingKeys: SigningKeyring;

  constructor(private readonly options: FleetOptions) {
    if (!Number.isSafeInteger(options.devices) || options.devices < 0)
      throw new RangeError(`devices must be a whole number, got ${options.devices}`);
    this.random = options.random ?? Math.random;
    this.signingKeys = SigningKeyring.of(options.signingKeys ?? []);
    const prefix = options.prefix ?? 'sim';
    const installed = options.installed ?? { artifact: 'os', version: '1.0.0' };
    this.devices = Array.from({ length: options.devices }, (_, i) => ({
      index: i + 1,
      name: `${prefix}-${i + 1}`,
      enrolled: false,
      installed: { ...installed },
      results: [],
      jobs: new UpdateJobs(),
      uploaded: new Set(),
    }));
  }

  /** The names of the devices the server enrolled (its names, which may differ from ours). */
  get enrolledNames(): string[] {
    return this.devices.filter((device) => device.enrolled).map((device) => device.agent?.deviceName ?? '');
  }

  /**
   * Makes every device's key and CSR ahead of enrollment (enroll makes those still missing), so
   * that a benchmark of enrollment times the calls and not the key generation.
   */
  async prepare(): Promise<void> {
    for (const device of this.devices) device.agent ??= await this.newAgent(device);
  }

  /**
   * Enrolls every device not yet enrolled, `concurrency` at a time (key, CSR, Enroll). A refused
   * enrollment is counted and left for `run` to retry at the check-in interval; so is one that
   * waits for approval. Stops starting new ones when the signal aborts.
   */
  async enroll(signal?: AbortSignal): Promise<void> {
    const queue = this.devices.filter((device) => !device.enrolled);
    const worker = async () => {
      for (let next = queue.shift(); next && !signal?.aborted; next = queue.shift())
        await this.enrollOne(next);
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 50) }, worker));
  }

  /**
   * Every device checks in (or, not enrolled yet, enrolls) on its own timer until the signal
   * aborts; resolves once every device's current call has ended. The first check-ins are spread
   * over one interval so the fleet does not arrive in one burst. `intervalMs` overrides the
   * fleet's interval for this run (a benchmark paces, then saturates, the same fleet).
   */
  async run(signal: AbortSignal, intervalMs?: number): Promise<void> {
    const interval = intervalMs ?? this.options.checkInIntervalMs ?? 5_000;
    const jitter = this.options.jitter ?? 0.1;
    // Every device waits on the one signal.
    setMaxListeners(this.devices.length + 10, signal);
    await Promise.all(
      this.devices.map(async (device) => {
        let wait = interval * this.random();
        while (!signal.aborted) {
          if (wait > 0 && !(await pause(wait, signal))) return;
          if (device.enrolled) await this.checkInOne(device);
          else await this.enrollOne(device);
          wait = interval * (1 - jitter + 2 * jitter * this.random());
        }
      }),
    );
  }

  /** One check-in of every enrolled device, all at once: deterministic rounds for tests. */
  async checkInRound(): Promise<void> {
    await Promise.all(
      this.devices.filter((device) => device.enrolled).map((device) => this.checkInOne(device)),
    );
  }

  stats(): FleetStats {
    return {
      devices: this.devices.length,
      enrolled: this.devices.filter((device) => device.enrolled).length,
      pendingApproval: this.devices.filter((device) => !device.enrolled && device.agent?.deviceName).length,
      ...this.counters,
      errors: Object.fromEntries([...this.errors].sort(([a], [b]) => (a < b ? -1 : 1))),
      enrollLatency: this.enrollLatency.summary(),
      checkInLatency: this.checkInLatency.summary(),
    };
  }

  /** Forgets the check-in latencies so far (a benchmark's warm-up). */
  resetCheckInLatency(): void {
    this.checkInLatency.reset();
  }

  /** Closes every device's HTTP/2 connection. */
  close(): void {
    for (const device of this.devices) device.agent?.close();
  }

  private async enrollOne(device: SimulatedDevice): Promise<void> {
    try {
      device.agent ??= await this.newAgent(device);
      const started = performance.now();
      device.enrolled = await device.agent.enroll(this.options.enrollToken, `Simulated ${device.name}`);
      this.enrollLatency.record(performance.now() - started);
    } catch (error) {
      this.count(`enroll ${codeName(error)}`);
    }
  }

  private newAgent(device: SimulatedDevice): Promise<FleetAgent> {
    return (this.options.createAgent ?? DeviceAgent.create)({
      url: this.options.url,
      trustPem: this.options.trustPem,
      platform: this.options.platform ?? 'linux',
      identifier: device.name,
      name: device.name,
      signingKeys: this.signingKeys,
    });
  }

  /**
   * One heartbeat: a check-in, then what its answer asks for. An update's result is reported at
   * once by another check-in (a real agent reports a state change right away, not at its next
   * heartbeat), whose answer is acted on in turn: it may carry the retry of a failed install.
   */
  private async checkInOne(device: SimulatedDevice): Promise<void> {
    let answer = await this.send(device);
    if (!answer) return;
    for (let reports = 0; reports < MAX_REPORTS_PER_HEARTBEAT && answer.assignment?.version; reports++) {
      if (!(await this.runJob(device, answer.assignment))) break;
      const next = await this.send(device);
      if (!next) break; // the result stays queued for the next heartbeat
      answer = next;
    }
    const agent = device.agent as FleetAgent;
    for (const request of answer.logRequests) {
      if (device.uploaded.has(request.id)) continue;
      try {
        await agent.uploadLogs(request.id, this.logBundle(device, request.id));
        device.uploaded.add(request.id);
        this.counters.logUploads++;
      } catch (error) {
        this.count(`uploadLogs ${codeName(error)}`);
      }
    }
    if (answer.renew) {
      try {
        await agent.renew();
        this.counters.renewals++;
      } catch (error) {
        this.count(`renew ${codeName(error)}`);
      }
    }
  }

  /** A check-in with the device's state and undelivered results; undefined (counted) when it fails. */
  private async send(device: SimulatedDevice): Promise<CheckInResponse | undefined> {
    const results = device.results;
    const started = performance.now();
    let answer: CheckInResponse;
    try {
      answer = await (device.agent as FleetAgent).checkIn({
        installed: device.installed,
        updateResults: results,
      });
    } catch (error) {
      this.count(`checkIn ${codeName(error)}`);
      return undefined;
    }
    this.checkInLatency.record(performance.now() - started);
    this.counters.checkIns++;
    // Sent and answered: the server has them (unanswered, they go again with the next check-in).
    if (device.results === results) device.results = [];
    return answer;
  }

  /**
   * Acts on an assignment unless this attempt of it was done: verifies it, "installs" it when it
   * verifies (failing with probability failureRate) and queues the result. Answers whether a
   * result was queued; not when the signing keys could not be fetched (tried again on a later
   * check-in, since that says nothing about the assignment).
   */
  private async runJob(device: SimulatedDevice, assignment: Assignment): Promise<boolean> {
    if (!device.jobs.isNew(assignment)) return false;
    let verdict: AssignmentVerdict;
    try {
      verdict = await (device.agent as FleetAgent).verifyAssignment(assignment);
    } catch (error) {
      this.count(`signingKeys ${codeName(error)}`);
      return false;
    }
    device.jobs.start(assignment);
    const failed = verdict.ok && this.random() < (this.options.failureRate ?? 0);
    device.results.push({
      rollout: assignment.rollout,
      artifact: assignment.artifact,
      version: assignment.version,
      state: verdict.ok && !failed ? UpdateState.SUCCEEDED : UpdateState.FAILED,
      message: verdict.ok ? (failed ? 'simulated failure' : '') : refusalMessage(verdict),
      attempt: assignment.attempt,
    });
    if (!verdict.ok) this.counters.updatesRefused++;
    else if (failed) this.counters.updatesFailed++;
    else {
      this.counters.updatesSucceeded++;
      device.installed = { artifact: assignment.artifact, version: assignment.version };
    }
    return true;
  }

  private logBundle(device: SimulatedDevice, requestId: string): Uint8Array {
    const size = this.options.logBundleBytes ?? 4096;
    const lines = [`# steward simulate: ${device.name}, log request ${requestId}`];
    for (let line = 0; lines.join('\n').length < size; line++)
      lines.push(
        `${new Date().toISOString()} ${device.name} agent[${process.pid}]: check-in ${line} ok, running ${device.installed.artifact}@${device.installed.version}`,
      );
    return new TextEncoder().encode(lines.join('\n').slice(0, size));
  }

  private count(key: string): void {
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }
}

/** Sleeps; answers false when the signal aborted it. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
