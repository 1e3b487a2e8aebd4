/**
 * `npm run bench -- devices [DEVICES] [SECONDS] [--profile DIR]`: the device API under a fleet.
 * A Steward (SQLite, engine on) runs in a child process (bench/_devices-server.ts), the fleet in
 * another (bench/_devices-load.ts, SimulatedFleet: real keys, CSRs and mTLS, one kept-alive
 * HTTP/2 connection per device), so that server and load share the 2 cores but not a thread, and
 * each one's CPU time is read apart.
 *
 *   (a) enrollment of DEVICES (default 1,000) devices, 50 at a time, in devices/s; baseline: as
 *       many certificates through POST /api/v1/certificateauthorities/{name}/certificates, same
 *       concurrency, same CA. Enrollment is that issuance plus the token, the CSR's signature,
 *       the Device and its journal entry, and a TLS handshake per device: the ratio is what
 *       enrolling costs beyond issuing.
 *   (b) check-ins of the enrolled fleet for SECONDS (default 20) after a 3 s warm-up: paced at
 *       the 5,000/s target (each device every DEVICES/5000 s, ±10%): achieved rate, p50/p99 and
 *       server CPU per check-in; then saturated (each device again as soon as answered, 10 s): the
 *       most the server gives. Baseline: GET /healthz (no auth, no database) over the REST
 *       listener by autocannon with the same number of connections (HTTP/1.1 without TLS, so the
 *       floor of a Node HTTP request on this machine, not a like-for-like transport).
 *
 * --profile DIR runs the server with `node --cpu-prof --cpu-prof-dir DIR`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { autocannon, benchLogin } from './_http.js';
import { type LoadPlan, type PhaseResult, processCpuMs } from './_devices-plan.js';

export const CA = 'devices';
const CONCURRENCY = 50;
const TARGET_RATE = 5_000;
const SATURATED_SECONDS = 10;
const REGISTER = ['--import', '@swc-node/register/esm-register'];

/** A child running a bench TS file; answers its stdout lines as they come. */
export function child(
  file: string,
  nodeFlags: string[],
  env: NodeJS.ProcessEnv,
): { process: ChildProcess; lines: AsyncIterator<string> } {
  const started = spawn(process.execPath, [...nodeFlags, ...REGISTER, file], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return {
    process: started,
    lines: createInterface({ input: started.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator](),
  };
}

/** A REST call as the bench admin; the parsed JSON answer, or an error naming the status. */
export async function rest<T>(
  url: string,
  method: string,
  path: string,
  session: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** The device root and intermediate (named CA), applied and Ready. */
export async function deviceCa(url: string, session: string): Promise<void> {
  const ca = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'steward.dev/v1',
    kind: 'CertificateAuthority',
    metadata: { name },
    spec,
  });
  await rest(url, 'POST', '/api/v1/apply', session, [
    ca('device-root', { type: 'root', subject: { commonName: 'Bench Device Root' } }),
    ca(CA, {
      type: 'intermediate',
      parentRef: { name: 'device-root' },
      subject: { commonName: 'Bench Devices' },
    }),
  ]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const got = await rest<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      url,
      'GET',
      `/api/v1/certificateauthorities/${CA}`,
      session,
    );
    if (
      got.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`CA ${CA} did not become Ready: ${JSON.stringify(got.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const f = (value: number, digits = 0) => value.toFixed(digits);

function phaseLine(label: string, result: PhaseResult, unit: string): string {
  const errors = Object.keys(result.errors).length > 0 ? `, errors ${JSON.stringify(result.errors)}` : '';
  return (
    `${label}: ${f(result.perSecond)} ${unit}/s (${result.count} in ${f(result.seconds, 1)} s), p50 ${f(result.p50, 1)} ms, p99 ${f(result.p99, 1)} ms;` +
    ` server CPU ${f(result.serverCpuMs)} ms = ${f((result.serverCpuMs * 1000) / Math.max(1, result.count))} µs each` +
    ` (${f((100 * result.serverCpuMs) / (result.seconds * 1000))}% of a core), load CPU ${f((100 * result.loadCpuMs) / (result.seconds * 1000))}% of a core${errors}`
  );
}

export default async function runDevicesBenchmark(args: string[]): Promise<void> {
  const profileAt = args.indexOf('--profile');
  const profileDir = profileAt >= 0 ? args[profileAt + 1] : undefined;
  const positional = args.filter(
    (_, index) => profileAt < 0 || (index !== profileAt && index !== profileAt + 1),
  );
  const devices = Number(positional[0] ?? 1_000);
  const seconds = Number(positional[1] ?? 20);

  const server = child(
    'bench/_devices-server.ts',
    profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    {},
  );
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  try {
    const first = await server.lines.next();
    if (first.done) throw new Error('the server child exited before listening');
    const { url, deviceUrl } = JSON.parse(first.value) as { url: string; deviceUrl: string };
    const serverPid = server.process.pid as number;
    const session = await benchLogin(url);
    await deviceCa(url, session);
    const { token } = await rest<{ token: string }>(url, 'POST', '/api/v1/enroll-tokens', session, {
      caRef: CA,
      maxUses: devices,
      expiresIn: '2h',
    });
    const api = await rest<{ url: string; trustPem: string }>(url, 'GET', '/api/v1/device-api', session);
    console.log(
      `devices: Steward pid ${serverPid} (SQLite, engine on), device API ${deviceUrl}, ${devices} devices`,
    );

    const plan: LoadPlan = {
      restUrl: url,
      session,
      caName: CA,
      deviceUrl: api.url,
      trustPem: api.trustPem,
      enrollToken: token,
      serverPid,
      devices,
      concurrency: CONCURRENCY,
      rate: TARGET_RATE,
      seconds,
      saturatedSeconds: SATURATED_SECONDS,
    };
    const load = child('bench/_devices-load.ts', [], { STEWARD_BENCH_LOAD: JSON.stringify(plan) });
    const results = new Map<string, PhaseResult>();
    for (let line = await load.lines.next(); !line.done; line = await load.lines.next()) {
      const result = JSON.parse(line.value) as PhaseResult;
      results.set(result.phase, result);
      const labels: Record<string, [string, string]> = {
        enroll: [`(a) enroll over mTLS, ${CONCURRENCY} at a time`, 'devices'],
        issue: [`(a) baseline: POST .../certificates, ${CONCURRENCY} at a time`, 'certificates'],
        paced: [`(b) check-ins paced at ${TARGET_RATE}/s offered, ${devices} connections`, 'check-ins'],
        saturated: [`(b) check-ins saturated, ${devices} connections`, 'check-ins'],
      };
      const [label, unit] = labels[result.phase] ?? [result.phase, 'calls'];
      console.log(phaseLine(label, result, unit));
    }
    const enroll = results.get('enroll');
    const issue = results.get('issue');
    if (enroll && issue)
      console.log(`(a) enrollment / bare issuance: ${f(enroll.perSecond / issue.perSecond, 2)}x`);

    const cpuBefore = processCpuMs(serverPid);
    const health = await autocannon(`${url}/healthz`, {}, 10, { connections: devices });
    const cpuMs = processCpuMs(serverPid) - cpuBefore;
    console.log(
      `(b) baseline: GET /healthz, ${devices} connections (autocannon, HTTP/1.1 without TLS): ${f(health.requests.average)} req/s, p50 n/a, p99 ${health.latency.p99} ms; server CPU ${f((cpuMs * 1000) / Math.max(1, health.requests.total))} µs each (non-2xx ${health.non2xx}, errors ${health.errors})`,
    );
    const paced = results.get('paced');
    if (paced)
      console.log(
        `(b) target >= ${TARGET_RATE} check-ins/s with p99 <= 50 ms on SQLite: ${paced.perSecond >= TARGET_RATE * 0.98 && paced.p99 <= 50 ? 'met' : 'missed'} (paced: ${f(paced.perSecond)}/s, p99 ${f(paced.p99, 1)} ms)`,
      );
  } finally {
    server.process.stdin?.end();
    await exited;
  }
  if (profileDir) console.log(`server CPU profile written to ${profileDir}`);
}
