/**
 * The fleet of `npm run bench -- rollout`, a process apart from the server (bench/devices.ts says
 * why). Given a RolloutLoadPlan (JSON in STEWARD_BENCH_LOAD) it enrolls the fleet, then keeps every
 * device checking in every `intervalMs` (±10 %) until told to stop. It fetches the tenant's signing
 * keys once, on the first assignment, as an agent does.
 *
 * Protocol, one line each way: it prints `{"event":"enrolled",...}` once enrolled, then a mark for
 * the first round of check-ins (paced at `firstRoundRate`), then keeps the fleet running; each
 * `mark` read on stdin answers `{"event":"mark",...}`, the counters since the previous mark (the
 * check-in latencies are reset at each mark); `timeline` answers when the fleet's finished updates
 * reached each count (sampled every 50 ms); `stop` ends the fleet and the process.
 */
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { type FleetStats, SimulatedFleet } from '../src/device-agent/fleet.js';
import type { SigningKey } from '../src/device-agent/signing-keyring.js';

export interface RolloutLoadPlan {
  restUrl: string;
  session: string;
  deviceUrl: string;
  trustPem: string;
  enrollToken: string;
  devices: number;
  concurrency: number;
  intervalMs: number;
  /** Offered rate of the first round of check-ins (connections opened, first reports). */
  firstRoundRate: number;
}

/** What a mark answers: counts over the interval since the previous mark. */
export interface FleetMark {
  event: 'mark';
  seconds: number;
  checkIns: number;
  updatesSucceeded: number;
  updatesFailed: number;
  updatesRefused: number;
  p50: number;
  p99: number;
  errors: Record<string, number>;
}

/** When the fleet's finished updates (succeeded, failed or refused) reached each count: [epoch ms, count]. */
export interface FleetTimeline {
  event: 'timeline';
  points: Array<[number, number]>;
}

export interface FleetEnrolled {
  event: 'enrolled';
  enrolled: number;
  seconds: number;
  perSecond: number;
  errors: Record<string, number>;
}

// connect-node destroys a session whose PING is not answered within 15 s with an error that, in
// some states of its session manager, has no listener left: that would end the whole fleet. Such a
// device's next call opens a new session; the error is counted, anything else still ends the process.
let pingTimeouts = 0;
process.on('uncaughtException', (error) => {
  if (
    error instanceof ConnectError &&
    error.code === Code.Unavailable &&
    /PING timed out/.test(error.rawMessage)
  ) {
    pingTimeouts++;
    return;
  }
  console.error(error);
  process.exit(1);
});

const plan = JSON.parse(process.env.STEWARD_BENCH_LOAD ?? '{}') as RolloutLoadPlan;
const print = (line: FleetEnrolled | FleetMark | FleetTimeline) =>
  process.stdout.write(`${JSON.stringify(line)}\n`);

const fleet = new SimulatedFleet({
  url: plan.deviceUrl,
  trustPem: plan.trustPem,
  enrollToken: plan.enrollToken,
  devices: plan.devices,
  prefix: 'rollout',
  concurrency: plan.concurrency,
  checkInIntervalMs: plan.intervalMs,
  signingKeys: async () => {
    const response = await fetch(`${plan.restUrl}/api/v1/signing-keys`, {
      headers: { authorization: `Bearer ${plan.session}` },
    });
    if (!response.ok) throw new Error(`GET /api/v1/signing-keys: ${response.status}`);
    return ((await response.json()) as { items: SigningKey[] }).items;
  },
});
await fleet.prepare();
const enrollStarted = performance.now();
await fleet.enroll();
const enrollSeconds = (performance.now() - enrollStarted) / 1000;
const enrolled = fleet.stats();
print({
  event: 'enrolled',
  enrolled: enrolled.enrolled,
  seconds: enrollSeconds,
  perSecond: enrolled.enrolled / enrollSeconds,
  errors: enrolled.errors,
});

// The first round, paced: each device's first check-in opens its mTLS connection and reports what
// it runs (a write per device). The whole fleet doing that within one 2 s interval stalls the
// server for over a minute at 10,000 devices (measured), which is a fleet coming back after an
// outage, not the steady state a rollout runs in.
fleet.resetCheckInLatency();
const firstStarted = performance.now();
const warming = new AbortController();
const warmingUp = fleet.run(warming.signal, (plan.devices / plan.firstRoundRate) * 1000);
while (fleet.stats().checkIns < plan.devices) await sleep(100);
warming.abort();
await warmingUp;
const first = fleet.stats();
const firstSeconds = (performance.now() - firstStarted) / 1000;
print({
  event: 'mark',
  seconds: firstSeconds,
  checkIns: first.checkIns,
  updatesSucceeded: 0,
  updatesFailed: 0,
  updatesRefused: 0,
  p50: first.checkInLatency.p50,
  p99: first.checkInLatency.p99,
  errors: first.errors,
});
const controller = new AbortController();
const running = fleet.run(controller.signal);

// Sampled every 50 ms: the parent reads off when each wave's last device had its result.
const points: Array<[number, number]> = [];
const finished = () => {
  const stats = fleet.stats();
  return stats.updatesSucceeded + stats.updatesFailed + stats.updatesRefused;
};
const sampler = setInterval(() => {
  const count = finished();
  if (count !== (points.at(-1)?.[1] ?? 0)) points.push([Date.now(), count]);
}, 50);

let previous: { stats: FleetStats; at: number } = { stats: fleet.stats(), at: performance.now() };
fleet.resetCheckInLatency();
for await (const command of createInterface({ input: process.stdin })) {
  if (command === 'stop') break;
  if (command === 'timeline') print({ event: 'timeline', points });
  if (command !== 'mark') continue;
  const stats = fleet.stats();
  const at = performance.now();
  const errors: Record<string, number> = {};
  for (const [key, count] of Object.entries(stats.errors)) {
    const added = count - (previous.stats.errors[key] ?? 0);
    if (added > 0) errors[key] = added;
  }
  print({
    event: 'mark',
    seconds: (at - previous.at) / 1000,
    checkIns: stats.checkIns - previous.stats.checkIns,
    updatesSucceeded: stats.updatesSucceeded - previous.stats.updatesSucceeded,
    updatesFailed: stats.updatesFailed - previous.stats.updatesFailed,
    updatesRefused: stats.updatesRefused - previous.stats.updatesRefused,
    p50: stats.checkInLatency.p50,
    p99: stats.checkInLatency.p99,
    errors: pingTimeouts > 0 ? { ...errors, 'session PING timed out (so far)': pingTimeouts } : errors,
  });
  fleet.resetCheckInLatency();
  previous = { stats, at };
}
clearInterval(sampler);
controller.abort();
await running;
fleet.close();
process.exit(0);
