/**
 * `npm run bench -- auth`: GET /api/v1/devices/dev-00042 with a bearer API key beside the same
 * route with authentication switched off (a benchmark-only switch: every request gets a context
 * that holds every permission), on one server in one run. After a warm-up of both paths, three
 * rounds alternate which goes first, so JIT warm-up and drift of the machine fall on both sides.
 * Revocation stays immediate with the cache (test/api/identity.test.ts); this prints what the
 * cached check costs.
 */
import { autocannon, CONNECTIONS, DEVICES, line, SECONDS, startBenchServer, TARGET } from './_http.js';

const ROUNDS = 3;

export default async function run(_args: string[]): Promise<void> {
  const bench = await startBenchServer();
  const authenticator = bench.server.services.authenticator;
  // Server CPU per request is printed too: unlike req/s it does not move with the load generator,
  // which shares the machine's two cores with the server.
  const cpu: Record<'key' | 'off', number[]> = { key: [], off: [] };
  const measure = async (withKey: boolean, seconds = SECONDS) => {
    authenticator.disabledForBenchmark = !withKey;
    const before = process.cpuUsage();
    try {
      const result = await autocannon(
        bench.url,
        withKey ? { authorization: bench.authorization } : {},
        seconds,
      );
      const used = process.cpuUsage(before);
      cpu[withKey ? 'key' : 'off'].push((used.user + used.system) / result.requests.total);
      return result;
    } finally {
      authenticator.disabledForBenchmark = false;
    }
  };
  try {
    console.log(
      `GET /api/v1/devices/${TARGET}, ${DEVICES} devices, autocannon -c ${CONNECTIONS} -d ${SECONDS} (second process), ${ROUNDS} rounds after a warm-up`,
    );
    await measure(true, 3);
    await measure(false, 3);
    const keyed: number[] = [];
    const open: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [true, false] : [false, true];
      for (const withKey of order) {
        const result = await measure(withKey);
        const perRequest = cpu[withKey ? 'key' : 'off'].at(-1)?.toFixed(1);
        console.log(
          `${line(`round ${round} ${withKey ? 'bearer key' : 'authentication off'}`, result)}, server CPU ${perRequest} µs/request`,
        );
        (withKey ? keyed : open).push(result.requests.average);
      }
    }
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    console.log(
      `ratio bearer/off: ${(sum(keyed) / sum(open)).toFixed(2)} (target >= 0.9); per round ${keyed
        .map((value, index) => (value / open[index]).toFixed(2))
        .join(', ')}`,
    );
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const key = median(cpu.key.slice(1));
    const off = median(cpu.off.slice(1));
    console.log(
      `server CPU per request (median of rounds): bearer ${key.toFixed(1)} µs, off ${off.toFixed(1)} µs, ratio off/bearer ${(off / key).toFixed(2)}`,
    );
  } finally {
    await bench.close();
  }
}
