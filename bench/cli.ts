/**
 * `npm run bench -- cli [RUNS]`: start-to-exit times of the `steward` binary (the compiled CLI in
 * dist/), median of RUNS (default 20) child processes each: `steward --help`, `steward version`
 * and `steward get devices` against a Steward holding 1,000 Devices (engine off, in this process,
 * read with a read-only API key); beside `node -e 0` (Node's own start) and the CLI run from
 * source through tsx (`node --import tsx src/cli/main.ts --help`, the path before the build). The
 * commands take turns within each round so that a burst of load on the machine hits them alike.
 * On Linux it also prints each command's mean CPU time (user + system, from this process's
 * reaped-children counters in /proc/self/stat): unlike wall time, it hardly moves when other
 * processes load the machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/package-root.js';
import { ensureBuild } from '../test/support/build.js';
import { DEVICES, startBenchServer } from './_http.js';

interface Case {
  label: string;
  args: string[];
  /** Lines the command must print on stdout (checked once, so a broken run is not timed as fast). */
  lines?: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU ms (user + system) of this process's exited and reaped children so far, or undefined where
 * there is no /proc. Fields 16 and 17 of /proc/self/stat, counted after the `(comm)` field.
 */
function childrenCpuMs(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): cutime (16) and cstime (17) are fields[13] and fields[14].
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}

/** One child process, from spawn to exit, in ms; rejects on a non-zero exit. */
function timeRun(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: packagePath(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, stdout });
    });
  });
}

export default async function run(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 20);
  ensureBuild();
  const bench = await startBenchServer();
  const configDir = mkdtempSync(join(tmpdir(), 'steward-bench-cli-'));
  // No config file, the server and key from the environment: what a script running the CLI does.
  const env = {
    PATH: process.env.PATH,
    HOME: configDir,
    STEWARD_CONFIG: join(configDir, 'config'),
    STEWARD_URL: bench.server.url,
    STEWARD_TOKEN: bench.authorization.slice('Bearer '.length),
  };
  const bin = packagePath('bin/steward.js');
  const cases: Case[] = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'steward --help', args: [bin, '--help'] },
    { label: 'steward version', args: [bin, 'version'], lines: 1 },
    { label: `steward get devices (${DEVICES})`, args: [bin, 'get', 'devices'], lines: DEVICES + 1 },
    { label: 'tsx src/cli/main.ts --help (before)', args: ['--import', 'tsx', 'src/cli/main.ts', '--help'] },
  ];
  try {
    for (const { label, args: argv, lines } of cases) {
      const { stdout } = await timeRun(argv, env);
      const printed = stdout.split('\n').filter(Boolean).length;
      if (lines !== undefined && printed !== lines)
        throw new Error(`${label} printed ${printed} lines, not ${lines}`);
    }
    const times = new Map<string, number[]>(cases.map((entry) => [entry.label, []]));
    const cpu = new Map<string, number>(cases.map((entry) => [entry.label, 0]));
    for (let round = 0; round < runs; round++) {
      for (const { label, args: argv } of cases) {
        const cpuBefore = childrenCpuMs() ?? 0;
        times.get(label)?.push((await timeRun(argv, env)).ms);
        cpu.set(label, (cpu.get(label) ?? 0) + (childrenCpuMs() ?? 0) - cpuBefore);
      }
    }
    const withCpu = childrenCpuMs() !== undefined;
    console.log(
      `start-to-exit of one child process: median of ${runs} (min)${withCpu ? ', mean CPU user+sys' : ''};` +
        ` ${DEVICES} devices on the server`,
    );
    const width = Math.max(...cases.map((entry) => entry.label.length));
    for (const { label } of cases) {
      const values = times.get(label) ?? [];
      const cpuText = withCpu ? `, CPU ${((cpu.get(label) ?? 0) / runs).toFixed(0)} ms` : '';
      console.log(
        `${label.padEnd(width)}  ${median(values).toFixed(0)} ms (${Math.min(...values).toFixed(0)})${cpuText}`,
      );
    }
  } finally {
    rmSync(configDir, { recursive: true, force: true });
    await bench.close();
  }
}
