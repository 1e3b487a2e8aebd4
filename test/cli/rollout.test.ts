/**
 * `steward rollout status [-w]` against the API contract's stand-in (contract-server.ts): the
 * view read once, followed until Completed (exit 0) or Aborted (exit 1), plain lines only when
 * something changed when not on a terminal, a frame redrawn in place on one; the timeout.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type ContractServer, startContractServer } from './contract-server.js';
import { runCli, writeTree } from './harness.js';

const wave = (succeeded: number, pending: number) => ({
  wave: 1,
  percent: 10,
  devices: 10,
  assigned: succeeded + pending,
  succeeded,
  failed: 0,
  pending,
  queued: 10 - succeeded - pending,
});
const progressing = (succeeded: number) => ({
  phase: 'Progressing',
  currentWave: 1,
  totals: { targeted: 10, assigned: 10, succeeded, pending: 10 - succeeded },
  waves: [wave(succeeded, 10 - succeeded)],
});

describe('steward rollout status', () => {
  let server: ContractServer;
  let env: Record<string, string>;
  const cli = (argv: string[]) => runCli(argv, { env });

  beforeAll(async () => {
    server = await startContractServer();
    const home = writeTree({});
    env = { STEWARD_CONFIG: join(home, 'config') };
    await cli(['config', 'set-context', 'acme', '--server', server.url, '--tenant', 'acme']);
    await runCli(['login', '--username', 'alice', '--password-stdin'], { env, stdin: 'correct horse\n' });
  });
  beforeEach(() => {
    server.rolloutStatuses.length = 0;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows the rollout once and exits 0, whatever its phase', async () => {
    server.rolloutStatuses.push({ ...progressing(4), message: 'assigning wave 1' });
    const run = await cli(['rollout', 'status', 'edge-rollout']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Phase:      Progressing, wave 1 of 2\n');
    expect(run.stdout).toContain('Message:    assigning wave 1\n');
    expect(run.stdout).toMatch(/>1\s+10%\s+\[############~{18}\] 40%\s+10\s+10\s+4\s+0\s+6\s+0/);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/rollouts/edge-rollout' });
  });

  it('-w without a terminal prints a line when something changed, and exits 0 once Completed', async () => {
    server.rolloutStatuses.push(progressing(4), progressing(4), progressing(9), {
      ...progressing(10),
      phase: 'Completed',
      currentWave: 2,
    });
    const run = await cli(['rollout', 'status', 'edge-rollout', '-w']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      'rollout/edge-rollout Progressing, wave 1 of 2, assigned 10, succeeded 4, failed 0, pending 6, queued 0',
      'rollout/edge-rollout Progressing, wave 1 of 2, assigned 10, succeeded 9, failed 0, pending 1, queued 0',
      'rollout/edge-rollout Completed, wave 2 of 2, assigned 10, succeeded 10, failed 0, pending 0, queued 0',
    ]);
  });

  it('-w exits 1 once the rollout is Aborted', async () => {
    server.rolloutStatuses.push(progressing(2), { ...progressing(2), phase: 'Aborted', abortedBy: 'bob' });
    const run = await cli(['rollout', 'status', 'edge-rollout', '--watch']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Aborted, wave 1 of 2/);
  });

  it('-w on a terminal redraws the view in place (cursor up, clear line) until the rollout ends', async () => {
    server.rolloutStatuses.push(progressing(4), { ...progressing(10), phase: 'Completed' });
    let stdout = '';
    const code = await main(['rollout', 'status', 'edge-rollout', '-w'], {
      stdout: Object.assign({ write: (chunk: string) => (stdout += chunk) }, { isTTY: true, columns: 200 }),
      stderr: { write: () => true },
      stdin: Readable.from([]),
      env,
      pollIntervalMs: 20,
    });
    expect(code).toBe(0);
    const ESC = '\u001b';
    const frames = stdout.split(new RegExp(`${ESC}\\[\\d+A`));
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain('\r\u001b[2KPhase:      Progressing, wave 1 of 2\n');
    expect(frames[1]).toContain('\r\u001b[2KPhase:      Completed, wave 1 of 2\n');
    const firstFrameLines = frames[0].split('\n').length - 1;
    expect(stdout).toContain(`\u001b[${firstFrameLines}A`);
  });

  it('-w gives up after --timeout with exit 1, naming the phase it saw', async () => {
    server.rolloutStatuses.push(progressing(1));
    const run = await cli(['rollout', 'status', 'edge-rollout', '-w', '--timeout', '100ms']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: timed out after 100ms watching rollout/edge-rollout (phase Progressing)\n',
    );
  });

  it('refuses a bad --timeout and names a missing rollout', async () => {
    expect((await cli(['rollout', 'status', 'edge-rollout', '--timeout', 'soon'])).code).toBe(2);
    expect(await cli(['rollout', 'status', 'nope'])).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): Rollout "nope" not found\n',
    });
  });
});
