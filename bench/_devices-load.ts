/**
 * The load generator of `npm run bench -- devices`, a process apart from the server (the two share
 * the machine's cores, not a thread). Given the device API, a token and the server's pid (JSON in
 * STEWARD_BENCH_LOAD), it prints one JSON line per phase:
 *   enroll     N devices, `concurrency` at a time, keys and CSRs made beforehand;
 *   issue      the baseline of enroll: as many certificates through the REST API, same concurrency;
 *   paced      every device checks in every N/rate seconds (±10%) over its kept-alive mTLS
 *              connection: the offered rate, and what the server achieved and at what latency;
 *   saturated  every device checks in again as soon as answered: the most the server gives.
 * Each with the server's CPU time over the phase (/proc/<pid>/stat) and this process's own.
 */
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { type FleetStats, LatencyHistogram, SimulatedFleet } from '../src/device-agent/fleet.js';
import { type LoadPlan, type PhaseResult, processCpuMs } from './_devices-plan.js';

function ownCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Runs `work`, measuring wall time and both processes' CPU. */
async function measured(
  plan: LoadPlan,
  work: () => Promise<{ count: number; p50: number; p99: number; errors: Record<string, number> }>,
  phase: string,
): Promise<PhaseResult> {
  const server = processCpuMs(plan.serverPid);
  const own = ownCpuMs();
  const started = performance.now();
  const outcome = await work();
  const seconds = (performance.now() - started) / 1000;
  return {
    phase,
    ...outcome,
    seconds,
    perSecond: outcome.count / seconds,
    serverCpuMs: processCpuMs(plan.serverPid) - server,
    loadCpuMs: ownCpuMs() - own,
  };
}

const delta = (after: FleetStats, before: FleetStats) => {
  const errors: Record<string, number> = {};
  for (const [key, count] of Object.entries(after.errors))
    if (count - (before.errors[key] ?? 0) > 0) errors[key] = count - (before.errors[key] ?? 0);
  return errors;
};

/** Check-ins over a window of `seconds` after a warm-up of 3 s, the fleet paced at `intervalMs`. */
async function checkIns(
  fleet: SimulatedFleet,
  intervalMs: number,
  seconds: number,
  plan: LoadPlan,
  phase: string,
) {
  const controller = new AbortController();
  const running = fleet.run(controller.signal, intervalMs);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  fleet.resetCheckInLatency();
  const result = await measured(
    plan,
    async () => {
      const before = fleet.stats();
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const after = fleet.stats();
      return {
        count: after.checkIns - before.checkIns,
        p50: after.checkInLatency.p50,
        p99: after.checkInLatency.p99,
        errors: delta(after, before),
      };
    },
    phase,
  );
  controller.abort();
  await running;
  return result;
}

/** The baseline of enrollment: as many certificates through POST .../certificates, same concurrency. */
async function issueOverRest(plan: LoadPlan) {
  const keys = Array.from({ length: plan.devices }, () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const latency = new LatencyHistogram();
  const errors: Record<string, number> = {};
  let next = 0;
  let issued = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      const started = performance.now();
      const response = await fetch(
        `${plan.restUrl}/api/v1/certificateauthorities/${plan.caName}/certificates`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${plan.session}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            publicKey: keys[index],
            subject: { commonName: `rest-${index}` },
            profile: 'device',
          }),
        },
      );
      await response.arrayBuffer();
      latency.record(performance.now() - started);
      if (response.ok) issued++;
      else errors[`http ${response.status}`] = (errors[`http ${response.status}`] ?? 0) + 1;
    }
  };
  return measured(
    plan,
    async () => {
      await Promise.all(Array.from({ length: plan.concurrency }, worker));
      const { p50, p99 } = latency.summary();
      return { count: issued, p50, p99, errors };
    },
    'issue',
  );
}

const plan = JSON.parse(process.env.STEWARD_BENCH_LOAD ?? '{}') as LoadPlan;
const print = (result: PhaseResult) => process.stdout.write(`${JSON.stringify(result)}\n`);
const pacedIntervalMs = (plan.devices / plan.rate) * 1000;
const fleet = new SimulatedFleet({
  url: plan.deviceUrl,
  trustPem: plan.trustPem,
  enrollToken: plan.enrollToken,
  devices: plan.devices,
  prefix: 'bench',
  concurrency: plan.concurrency,
  checkInIntervalMs: pacedIntervalMs,
});
await fleet.prepare();
print(
  await measured(
    plan,
    async () => {
      await fleet.enroll();
      const stats = fleet.stats();
      return {
        count: stats.enrolled,
        p50: stats.enrollLatency.p50,
        p99: stats.enrollLatency.p99,
        errors: stats.errors,
      };
    },
    'enroll',
  ),
);
print(await issueOverRest(plan));
print(await checkIns(fleet, pacedIntervalMs, plan.seconds, plan, 'paced'));
print(await checkIns(fleet, 0, plan.saturatedSeconds, plan, 'saturated'));
fleet.close();
process.exit(0);
