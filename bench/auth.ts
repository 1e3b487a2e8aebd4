/**
 * `npm run bench -- auth`: GET /api/v1/devices/dev-00042 with a bearer API key beside the same
 * route with authentication switched off (a benchmark-only switch: every request gets a context
 * that holds every permission), in one run and on one server, alternating key / off / key / off so
 * drift of the machine falls on both. Revocation stays immediate with the cache (see
 * test/api/identity.test.ts); this prints what the cached check costs.
 */
import { autocannon, CONNECTIONS, DEVICES, line, SECONDS, startBenchServer, TARGET } from './_http.js';

export default async function run(_args: string[]): Promise<void> {
  const bench = await startBenchServer();
  const authenticator = bench.server.services.authenticator;
  try {
    console.log(
      `GET /api/v1/devices/${TARGET}, ${DEVICES} devices, autocannon -c ${CONNECTIONS} -d ${SECONDS} (second process), two rounds`,
    );
    const keyed: number[] = [];
    const open: number[] = [];
    for (let round = 1; round <= 2; round++) {
      authenticator.disabledForBenchmark = false;
      const withKey = await autocannon(bench.url, { authorization: bench.authorization });
      console.log(line(`round ${round} bearer key`, withKey));
      authenticator.disabledForBenchmark = true;
      const without = await autocannon(bench.url);
      authenticator.disabledForBenchmark = false;
      console.log(line(`round ${round} authentication off`, without));
      keyed.push(withKey.requests.average);
      open.push(without.requests.average);
    }
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    console.log(
      `ratio bearer/off: ${(sum(keyed) / sum(open)).toFixed(2)} (target >= 0.9); per round ${keyed
        .map((value, index) => (value / open[index]).toFixed(2))
        .join(', ')}`,
    );
  } finally {
    await bench.close();
  }
}
