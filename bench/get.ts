/**
 * `npm run bench -- get`: GET /api/v1/devices/dev-00042 throughput on Steward (engine off, fresh
 * SQLite database holding 1,000 Devices, read with a read-only API key) next to a bare Fastify
 * server answering the same JSON from one route, both in this process; autocannon (-c 50 -d 10)
 * runs in a second process against each.
 */
import Fastify from 'fastify';
import { autocannon, CONNECTIONS, DEVICES, line, SECONDS, startBenchServer, TARGET } from './_http.js';

export default async function run(_args: string[]): Promise<void> {
  const bench = await startBenchServer();
  const bare = Fastify({ logger: false });
  try {
    // The bare server answers the very object Steward returns, serialized per request the same way.
    const body = JSON.parse(bench.body) as Record<string, unknown>;
    bare.get('/api/v1/devices/:name', async () => body);
    const bareAddress = await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `${bareAddress}/api/v1/devices/${TARGET}`;

    console.log(
      `GET /api/v1/devices/${TARGET}, ${DEVICES} devices, autocannon -c ${CONNECTIONS} -d ${SECONDS} (second process), response ${bench.body.length} bytes`,
    );
    const steward = await autocannon(bench.url, { authorization: bench.authorization });
    console.log(line('steward (bearer API key)', steward));
    const plain = await autocannon(bareUrl);
    console.log(line('bare fastify', plain));
    console.log(
      `ratio steward/bare: ${(steward.requests.average / plain.requests.average).toFixed(2)} req/s (target >= 0.5),` +
        ` p99 ${steward.latency.p99} vs ${plain.latency.p99} ms`,
    );
  } finally {
    await bare.close();
    await bench.close();
  }
}
