/**
 * How the simulated fleet acts on assignments, against a scripted stand-in for the device API
 * (the server's side of rollouts is tested with the server): each assignment verified with the
 * tenant's real Ed25519 keys before it is "installed", the result reported at once by an extra
 * check-in, each attempt done once, a retry with a higher attempt done again, refusals reported
 * FAILED and never installed.
 */
import { create } from '@bufbuild/protobuf';
import { describe, expect, it, vi } from 'vitest';
import {
  AssignmentSchema,
  type CheckInResponse,
  CheckInResponseSchema,
  UpdateState,
} from '../../src/device-api/gen/steward/device/v1/device_pb.js';
import { type AgentOptions, DeviceAgent } from '../../src/device-agent/agent.js';
import { type FleetAgent, SimulatedFleet } from '../../src/device-agent/fleet.js';
import { signedAssignment, signingKey, type TestAssignment } from './signed-assignment.js';

type Report = NonNullable<Parameters<FleetAgent['checkIn']>[0]>;

const key = signingKey('k-2026');
const keys = [{ keyId: key.keyId, publicKeyPem: key.publicKeyPem }];

/**
 * A device whose check-ins a script answers; verification is the real agent's. `answer` sees each
 * report and returns the assignment to answer with (or none); throwing fails the call.
 */
class ScriptedAgent implements FleetAgent {
  deviceName?: string;
  readonly reports: Report[] = [];

  private constructor(
    private readonly real: DeviceAgent,
    private readonly answer: (report: Report) => TestAssignment | undefined,
  ) {}

  static async create(options: AgentOptions, answer: (report: Report) => TestAssignment | undefined) {
    return new ScriptedAgent(await DeviceAgent.create(options), answer);
  }

  async enroll(): Promise<boolean> {
    this.deviceName = this.real.options.name;
    return true;
  }

  async checkIn(report: Report = {}): Promise<CheckInResponse> {
    this.reports.push(structuredClone(report));
    const assignment = this.answer(report);
    return create(CheckInResponseSchema, {
      deviceName: this.deviceName,
      assignment:
        assignment &&
        create(AssignmentSchema, {
          ...assignment,
          size: BigInt(assignment.size),
          platforms: [...assignment.platforms],
        }),
    });
  }

  verifyAssignment: DeviceAgent['verifyAssignment'] = (assignment) => this.real.verifyAssignment(assignment);
  uploadLogs = async () => 'log-1';
  renew = async () => {};
  close() {}
}

/** One device answered by `answer`; `random` draws the simulated install failures. */
async function oneDevice(
  answer: (report: Report) => TestAssignment | undefined,
  options: {
    failureRate?: number;
    random?: () => number;
    signingKeys?: typeof keys | (() => Promise<typeof keys>);
    platform?: string;
  } = {},
) {
  let agent: ScriptedAgent | undefined;
  const fleet = new SimulatedFleet({
    url: 'https://device-api.invalid',
    trustPem: '',
    enrollToken: 'token',
    devices: 1,
    signingKeys: keys,
    ...options,
    createAgent: async (agentOptions) => {
      agent = await ScriptedAgent.create(agentOptions, answer);
      return agent;
    },
  });
  await fleet.enroll();
  return { fleet, agent: agent as ScriptedAgent };
}

const results = (report: Report) =>
  (report.updateResults ?? []).map(({ version, state, message, attempt }) => ({
    version,
    state,
    message,
    attempt,
  }));

describe('SimulatedFleet acting on assignments', () => {
  it('verifies, installs and reports the result at once (an extra check-in), then runs on the new version', async () => {
    const assignment = signedAssignment(key);
    // The server assigns until it has the result.
    const { fleet, agent } = await oneDevice((report) =>
      report.updateResults?.length || report.installed?.version === '2.4.1' ? undefined : assignment,
    );
    await fleet.checkInRound();
    expect(agent.reports.map(results)).toEqual([
      [],
      [{ version: '2.4.1', state: UpdateState.SUCCEEDED, message: '', attempt: 1 }],
    ]);
    expect(agent.reports[1].installed).toEqual({ artifact: 'agent', version: '2.4.1' });

    await fleet.checkInRound();
    expect(agent.reports).toHaveLength(3);
    expect(results(agent.reports[2])).toEqual([]);
    expect(fleet.stats()).toMatchObject({
      checkIns: 3,
      updatesSucceeded: 1,
      updatesFailed: 0,
      updatesRefused: 0,
    });
  });

  it('does an attempt once however often it is assigned, and a retry (higher attempt) again', async () => {
    let attempt = 1;
    // The server keeps assigning; after the failure of attempt 1 it retries with attempt 2.
    const { fleet, agent } = await oneDevice(
      (report) => {
        if (report.updateResults?.some((result) => result.state === UpdateState.FAILED)) attempt = 2;
        return signedAssignment(key, { attempt });
      },
      {
        failureRate: 0.5,
        random: (() => {
          const draws = [0.1, 0.9];
          return () => draws.shift() ?? 0.9;
        })(),
      },
    );
    await fleet.checkInRound();
    expect(agent.reports.map(results)).toEqual([
      [],
      [{ version: '2.4.1', state: UpdateState.FAILED, message: 'simulated failure', attempt: 1 }],
      [{ version: '2.4.1', state: UpdateState.SUCCEEDED, message: '', attempt: 2 }],
    ]);
    await fleet.checkInRound();
    await fleet.checkInRound();
    expect(agent.reports.slice(3).map(results)).toEqual([[], []]);
    expect(fleet.stats()).toMatchObject({ updatesSucceeded: 1, updatesFailed: 1 });
  });

  it.each([
    {
      refusal: 'a tampered digest',
      assignment: signedAssignment(key, { digest: `sha256:${'00'.repeat(32)}` }),
      message: /^SignatureInvalid: /,
    },
    {
      refusal: 'a tampered version',
      assignment: signedAssignment(key, { version: '9.9.9' }),
      message: /^SignatureInvalid: /,
    },
    {
      refusal: 'an unknown key id',
      assignment: signedAssignment(signingKey('k-stranger')),
      message: /^UnknownSigningKey: .*"k-stranger"/,
    },
    {
      refusal: 'platforms changed after signing',
      assignment: signedAssignment(key, { platforms: ['windows'] }),
      message: /^SignatureInvalid: /,
    },
  ])('refuses $refusal: reports FAILED at once and installs nothing', async ({ assignment, message }) => {
    const { fleet, agent } = await oneDevice(() => assignment);
    await fleet.checkInRound();
    await fleet.checkInRound();
    expect(agent.reports).toHaveLength(3);
    const [reported] = agent.reports[1].updateResults ?? [];
    expect(reported).toMatchObject({ state: UpdateState.FAILED, attempt: 1 });
    expect(reported.message).toMatch(message);
    expect(agent.reports.map((report) => report.installed)).toEqual(
      Array(3).fill({ artifact: 'os', version: '1.0.0' }),
    );
    expect(fleet.stats()).toMatchObject({ updatesRefused: 1, updatesSucceeded: 0, updatesFailed: 0 });
  });

  it('refuses a validly signed artifact for another platform as PlatformMismatch', async () => {
    const { fleet, agent } = await oneDevice(() => signedAssignment(key), { platform: 'windows' });
    await fleet.checkInRound();
    expect(agent.reports[1].updateResults?.[0].message).toBe(
      'PlatformMismatch: agent@2.4.1 is for linux, linux-arm64, not windows',
    );
  });

  it('keeps a result whose report failed and sends it with the next check-in', async () => {
    let calls = 0;
    const { fleet, agent } = await oneDevice((report) => {
      calls++;
      if (calls === 2) throw new Error('unavailable');
      return report.updateResults?.length ? undefined : signedAssignment(key);
    });
    await fleet.checkInRound();
    await fleet.checkInRound();
    expect(agent.reports.map(results)).toEqual([
      [],
      [{ version: '2.4.1', state: UpdateState.SUCCEEDED, message: '', attempt: 1 }],
      [{ version: '2.4.1', state: UpdateState.SUCCEEDED, message: '', attempt: 1 }],
    ]);
    expect(fleet.stats().errors).toEqual({ 'checkIn unknown': 1 });
  });

  it('fetches the keys when first needed, once for the fleet; a failed fetch leaves the job for later', async () => {
    let fetches = 0;
    const { fleet, agent } = await oneDevice(
      (report) => (report.updateResults?.length ? undefined : signedAssignment(key)),
      {
        signingKeys: async () => {
          fetches++;
          if (fetches === 1) throw new Error('server unreachable');
          return keys;
        },
      },
    );
    await fleet.checkInRound();
    expect(agent.reports).toHaveLength(1);
    expect(fleet.stats().errors).toEqual({ 'signingKeys unknown': 1 });
    // The failure is held for 5 s; a later heartbeat past it fetches again and installs.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now + 6_000);
    try {
      await fleet.checkInRound();
    } finally {
      clock.mockRestore();
    }
    expect(fetches).toBe(2);
    expect(agent.reports.map(results)[2]).toEqual([
      { version: '2.4.1', state: UpdateState.SUCCEEDED, message: '', attempt: 1 },
    ]);
  });
});
