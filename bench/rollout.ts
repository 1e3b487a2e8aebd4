/**
 * `npm run bench -- rollout [--devices N] [--interval S] [--baseline S] [--timeout S]`: one Artifact
 * rolled out to N (default 10,000) simulated devices in three waves (1 %, 10 %, 100 %), no soak,
 * the fleet checking in every 2 s (±10 %). Target (issue #15): apply to Completed in ≤ 30 s.
 *
 * The Steward (SQLite, engine on, told interval = the fleet's) and the fleet (bench/_rollout-load.ts:
 * real keys, mTLS, one HTTP/2 connection per device, signatures verified, results reported at once
 * by an extra check-in) run in processes of their own, as in bench/devices.ts.
 *
 *   first     the fleet's first round, paced at 400/s: each device opens its connection and reports
 *             what it runs (a write each); unpaced, 10,000 at once stall the server for a minute.
 *   baseline  the same fleet checking in with no rollout for `--baseline` s (default 10) after a
 *             3 s warm-up: the check-in rate the server sustains, p50/p99, its RSS; and from that
 *             rate the time the fleet needs for one round of check-ins (at least the interval),
 *             three of which are the lower bound of three waves.
 *   rollout   Artifact and Rollout applied in one POST; the Rollout's status polled every 100 ms:
 *             each wave's start and close (the server's timestamps), when its assignment was done
 *             (queued 0 in the status) and when its last device had its result (the fleet's own
 *             clock, sampled every 50 ms), Completed; check-ins sustained meanwhile, p50/p99.
 *   RSS       the server's VmRSS sampled every 100 ms (peak per phase) and its VmHWM at the end.
 */
import { readFileSync } from 'node:fs';
import type { RolloutStatus } from '../src/kinds/generated/v1/rollout.js';
import type { FleetEnrolled, FleetMark, FleetTimeline, RolloutLoadPlan } from './_rollout-load.js';
import { CA, child, deviceCa, rest } from './devices.js';
import { benchLogin } from './_http.js';

const ROLLOUT = 'bench-rollout';
const ARTIFACT = 'bench-agent';
const WAVES = [1, 10, 100];
const TARGET_SECONDS = 30;
const CONCURRENCY = 50;
const POLL_MS = 100;
/** Offered check-ins/s of the fleet's first round (each opens a connection and writes what it runs). */
const FIRST_ROUND_RATE = 400;

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} wants a positive number`);
  return value;
}

/** VmRSS and VmHWM of a process, in MiB. */
function memoryMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** The server's peak VmRSS per phase, sampled every 100 ms. */
class RssSampler {
  readonly peaks = new Map<string, number>();
  private phase = 'setup';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
  }

  enter(phase: string): void {
    this.sample();
    this.phase = phase;
    this.sample();
  }

  stop(): { rss: number; hwm: number } {
    clearInterval(this.timer);
    this.sample();
    return memoryMiB(this.pid);
  }

  private sample(): void {
    const { rss } = memoryMiB(this.pid);
    this.peaks.set(this.phase, Math.max(this.peaks.get(this.phase) ?? 0, rss));
  }
}

function manifests(fleetLabel: string) {
  return [
    {
      apiVersion: 'steward.dev/v1',
      kind: 'Artifact',
      metadata: { name: ARTIFACT },
      spec: {
        version: '2.0.0',
        digest: `sha256:${'ab'.repeat(32)}`,
        size: 4_194_304,
        platforms: ['linux'],
        url: `https://updates.example.com/${ARTIFACT}-2.0.0`,
      },
    },
    {
      apiVersion: 'steward.dev/v1',
      kind: 'Rollout',
      metadata: { name: ROLLOUT },
      spec: {
        artifactRef: { name: ARTIFACT },
        target: { selector: { matchLabels: { fleet: fleetLabel } } },
        strategy: { waves: WAVES.map((percent) => ({ percent })) },
      },
    },
  ];
}

/** Per wave, what the polls saw, in ms since the apply. */
interface WaveTimes {
  devices: number;
  started?: number;
  assigned?: number;
  /** When the fleet had the result of the wave's last device (its own clock). */
  reported?: number;
  closed?: number;
}

const f = (value: number, digits = 0) => value.toFixed(digits);
const at = (ms: number | undefined) => (ms === undefined ? 'n/a' : `+${f(ms / 1000, 2)} s`);
const span = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? 'n/a' : `${f((to - from) / 1000, 2)} s`;

function markLine(mark: FleetMark): string {
  const errors = Object.keys(mark.errors).length > 0 ? `, errors ${JSON.stringify(mark.errors)}` : '';
  return `${f(mark.checkIns / mark.seconds)} check-ins/s (${mark.checkIns} in ${f(mark.seconds, 1)} s), p50 ${f(mark.p50, 1)} ms, p99 ${f(mark.p99, 1)} ms${errors}`;
}

export default async function runRolloutBenchmark(args: string[]): Promise<void> {
  const devices = option(args, '--devices', 10_000);
  const intervalSeconds = option(args, '--interval', 2);
  const baselineSeconds = option(args, '--baseline', 10);
  // Past this the rollout is reported as not completed and the run ends.
  const giveUpSeconds = option(args, '--timeout', 300);

  const server = child('bench/_devices-server.ts', [], {
    STEWARD_DEVICE_CHECKIN_SECONDS: String(Math.max(1, Math.round(intervalSeconds))),
  });
  const serverExited = new Promise((resolve) => server.process.once('exit', resolve));
  let load: ReturnType<typeof child> | undefined;
  try {
    const first = await server.lines.next();
    if (first.done) throw new Error('the server child exited before listening');
    const { url } = JSON.parse(first.value) as { url: string };
    // The server's log lines (STEWARD_BENCH_LOG_LEVEL) go to stderr; a full pipe would stall it.
    void (async () => {
      for (let line = await server.lines.next(); !line.done; line = await server.lines.next())
        console.error(line.value);
    })();
    const serverPid = server.process.pid as number;
    const session = await benchLogin(url);
    await deviceCa(url, session);
    const fleetLabel = 'bench-rollout';
    const { token } = await rest<{ token: string }>(url, 'POST', '/api/v1/enroll-tokens', session, {
      caRef: CA,
      maxUses: devices,
      expiresIn: '2h',
      labels: { fleet: fleetLabel },
    });
    const api = await rest<{ url: string; trustPem: string }>(url, 'GET', '/api/v1/device-api', session);
    console.log(
      `rollout: ${devices} devices, ${WAVES.length} waves (${WAVES.map((p) => `${p} %`).join(', ')}), no soak, check-in every ${intervalSeconds} s (±10 %); Steward pid ${serverPid} (SQLite, engine on); figures noisy: 2 cores shared by server, fleet and other users of the machine`,
    );
    const rss = new RssSampler(serverPid);

    const plan: RolloutLoadPlan = {
      restUrl: url,
      session,
      deviceUrl: api.url,
      trustPem: api.trustPem,
      enrollToken: token,
      devices,
      concurrency: CONCURRENCY,
      intervalMs: intervalSeconds * 1000,
      firstRoundRate: FIRST_ROUND_RATE,
    };
    load = child('bench/_rollout-load.ts', [], { STEWARD_BENCH_LOAD: JSON.stringify(plan) });
    const fleet = load;
    const next = async <T>(): Promise<T> => {
      const line = await fleet.lines.next();
      if (line.done) throw new Error('the fleet process ended early');
      return JSON.parse(line.value) as T;
    };
    const ask = async <T>(command: string): Promise<T> => {
      fleet.process.stdin?.write(`${command}\n`);
      return next<T>();
    };
    rss.enter('enroll');
    const enrolled = await next<FleetEnrolled>();
    console.log(
      `enrollment: ${enrolled.enrolled} of ${devices} devices in ${f(enrolled.seconds, 1)} s (${f(enrolled.perSecond)}/s, ${CONCURRENCY} at a time)${Object.keys(enrolled.errors).length ? `, errors ${JSON.stringify(enrolled.errors)}` : ''}`,
    );

    rss.enter('first round');
    const firstRound = await next<FleetMark>();
    console.log(
      `first round (each device opens its mTLS connection and reports what it runs: one write each), offered ${FIRST_ROUND_RATE}/s: ${markLine(firstRound)}; server RSS peak ${f(rss.peaks.get('first round') ?? 0)} MiB`,
    );

    // Baseline: the same fleet, no rollout.
    rss.enter('warm-up');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await ask<FleetMark>('mark');
    rss.enter('baseline');
    await new Promise((resolve) => setTimeout(resolve, baselineSeconds * 1000));
    const baseline = await ask<FleetMark>('mark');
    const baselineRate = baseline.checkIns / baseline.seconds;
    const roundSeconds = Math.max(intervalSeconds, devices / baselineRate);
    console.log(
      `baseline, no rollout: ${markLine(baseline)}; offered ${f(devices / intervalSeconds)}/s; server RSS peak ${f(rss.peaks.get('baseline') ?? 0)} MiB`,
    );
    console.log(
      `baseline: one round of ${devices} check-ins takes max(${intervalSeconds} s, ${devices} / ${f(baselineRate)}/s) = ${f(roundSeconds, 2)} s; three rounds (the lower bound of three waves) ${f(3 * roundSeconds, 2)} s`,
    );

    // The rollout.
    rss.enter('rollout');
    const applied = Date.now();
    await rest(url, 'POST', '/api/v1/apply', session, manifests(fleetLabel));
    const applyMs = Date.now() - applied;
    const waves: WaveTimes[] = WAVES.map(() => ({ devices: 0 }));
    let progressingAt: number | undefined;
    let completedAt: number | undefined;
    let status: RolloutStatus | undefined;
    const since = (iso: string | undefined) => (iso ? Date.parse(iso) - applied : undefined);
    for (;;) {
      const got = await rest<{ status?: RolloutStatus }>(url, 'GET', `/api/v1/rollouts/${ROLLOUT}`, session);
      status = got.status;
      const now = Date.now() - applied;
      if (status?.phase === 'Progressing') progressingAt ??= now;
      for (const [index, wave] of (status?.waves ?? []).entries()) {
        const times = waves[index];
        times.devices = wave.devices ?? 0;
        times.started ??= since(wave.startedAt);
        times.closed ??= since(wave.finishedAt);
        if (wave.startedAt && (wave.queued ?? 0) === 0) times.assigned ??= now;
      }
      if (status?.phase === 'Completed' || status?.phase === 'Aborted') {
        completedAt = since(status.finishedAt) ?? now;
        break;
      }
      if (now > giveUpSeconds * 1000) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const during = await ask<FleetMark>('mark');
    rss.enter('after');
    const timeline = await ask<FleetTimeline>('timeline');
    let cumulative = 0;
    for (const wave of waves) {
      cumulative += wave.devices;
      const point = timeline.points.find(([, count]) => count >= cumulative);
      if (point && wave.devices > 0) wave.reported = point[0] - applied;
    }

    console.log(`apply: POST /api/v1/apply (Artifact signed, Rollout stored) answered in ${applyMs} ms`);
    console.log(
      `target fixed (Progressing seen): ${at(progressingAt)}; targeted ${status?.totals?.targeted ?? 0}, ineligible ${status?.totals?.ineligible ?? 0}`,
    );
    for (const [index, wave] of waves.entries())
      console.log(
        `wave ${index + 1} (${WAVES[index]} %, ${wave.devices} devices): started ${at(wave.started)}, assignment done ${at(wave.assigned)} (seen by the 100 ms poll), last result in the fleet ${at(wave.reported)}, closed ${at(wave.closed)}`,
      );
    console.log(
      `${status?.phase ?? 'no status'}: ${at(completedAt)} (target <= ${TARGET_SECONDS} s: ${status?.phase === 'Completed' && (completedAt ?? Number.POSITIVE_INFINITY) <= TARGET_SECONDS * 1000 ? 'met' : 'missed'}); totals ${JSON.stringify(status?.totals ?? {})}`,
    );
    console.log(
      `during the rollout: ${markLine(during)}; updates succeeded ${during.updatesSucceeded}, failed ${during.updatesFailed}, refused ${during.updatesRefused}`,
    );
    const memory = rss.stop();
    console.log(
      `server RSS: peak ${f(rss.peaks.get('baseline') ?? 0)} MiB in the baseline, ${f(rss.peaks.get('rollout') ?? 0)} MiB during the rollout; VmHWM ${f(memory.hwm)} MiB over the whole run (enrollment included: peak ${f(rss.peaks.get('enroll') ?? 0)} MiB)`,
    );
    // Where the time goes: the engine's turns (apply to first wave, assigning, closing and opening
    // the next) against the fleet's (from assigned to every result in).
    const engine: string[] = [`apply→wave 1 start ${span(0, waves[0].started)}`];
    const fleetParts: string[] = [];
    for (const [index, wave] of waves.entries()) {
      engine.push(`wave ${index + 1} start→assigned ≤ ${span(wave.started, wave.assigned)}`);
      fleetParts.push(`wave ${index + 1} ${span(wave.assigned ?? wave.started, wave.reported)}`);
      engine.push(`wave ${index + 1} last result→closed ${span(wave.reported, wave.closed)}`);
      const following = waves[index + 1];
      if (following) engine.push(`closed→wave ${index + 2} start ${span(wave.closed, following.started)}`);
    }
    engine.push(`wave ${waves.length} closed→Completed ${span(waves.at(-1)?.closed, completedAt)}`);
    console.log(`engine: ${engine.join(', ')}`);
    console.log(`fleet (assigned→last result): ${fleetParts.join(', ')}`);
  } finally {
    const fleet = load?.process;
    if (fleet && fleet.exitCode === null) {
      const ended = new Promise((resolve) => fleet.once('exit', resolve));
      fleet.stdin?.write('stop\n');
      await ended;
    }
    server.process.stdin?.end();
    await serverExited;
  }
}
