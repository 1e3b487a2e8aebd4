/**
 * `steward rollout` against a real server with the engine on: status shows the phase and the
 * waves, approve opens the gate, pause and abort act, and `status -w` ends with the rollout's
 * outcome as its exit code (1 for Aborted). Devices are created through the API (approved by
 * their creator); nobody reports, which is enough for the gates.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../support/server.js';
import { deviceYaml, runCli, useCliServer } from './harness.js';

const suite = useCliServer({ env: { STEWARD_ENGINE: 'on' }, options: { engine: { resyncSeconds: 0 } } });
const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

async function phase(name: string, wanted: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rollout = await suite.server.services.store.get({ tenant: 'default', kind: 'Rollout', name });
    if ((rollout?.status as { phase?: string } | undefined)?.phase === wanted) return;
    if (Date.now() > deadline)
      throw new Error(`Rollout ${name} never reached ${wanted}: ${JSON.stringify(rollout?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ROLLOUT = `apiVersion: steward.dev/v1
kind: Artifact
metadata:
  name: cli-agent-2
spec:
  version: 2.0.0
  digest: sha256:${'ef'.repeat(32)}
  size: 4096
  platforms: [linux]
---
apiVersion: steward.dev/v1
kind: Rollout
metadata:
  name: cli-live
spec:
  artifactRef: { name: cli-agent-2 }
  target: { selector: { matchLabels: { ring: cli } } }
  strategy:
    waves:
      - { percent: 50, requireApproval: true }
      - { percent: 100 }
`;

describe('steward rollout against a live rollout', () => {
  it('status, approve, pause, abort, and status -w ending on Aborted', async () => {
    for (const name of ['cli-d1', 'cli-d2', 'cli-d3', 'cli-d4'])
      expect((await cli(['apply', '-f', '-'], deviceYaml(name, { ring: 'cli' }))).code).toBe(0);
    expect((await cli(['apply', '-f', '-'], ROLLOUT)).code).toBe(0);
    await phase('cli-live', 'WaitingApproval');

    const status = await cli(['rollout', 'status', 'cli-live']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Phase:\s+WaitingApproval, wave 1 of 2/);
    expect(status.stdout).toMatch(/waits for approval: steward rollout approve cli-live/);
    expect(status.stdout).toMatch(/targeted 4/);

    const approved = await cli(['rollout', 'approve', 'cli-live']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('rollout/cli-live approved');
    await phase('cli-live', 'Progressing');
    const devices = await call<{ items: Array<{ state: string }> }>(
      suite.server,
      'GET',
      '/api/v1/rollouts/cli-live/devices',
      {},
    );
    expect(devices.body.items.filter((row) => row.state === 'assigned')).toHaveLength(2);

    expect((await cli(['rollout', 'pause', 'cli-live'])).code).toBe(0);
    await phase('cli-live', 'Paused');
    const paused = await cli(['rollout', 'status', 'cli-live']);
    expect(paused.stdout).toMatch(/Paused by:\s+admin/);
    const twice = await cli(['rollout', 'pause', 'cli-live']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already paused \(by admin/);

    const watching = cli(['rollout', 'status', 'cli-live', '-w', '--timeout', '30s']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await cli(['rollout', 'abort', 'cli-live'])).code).toBe(0);
    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/Aborted/);
  });
});
