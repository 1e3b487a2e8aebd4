import { describe, expect, it } from 'vitest';
import { deviceYaml, spawnCli, useCliServer } from './harness.js';

/** The real binary (bin/steward.js under tsx) as a child process: a few smoke cases. */
describe('the steward binary', () => {
  const suite = useCliServer();

  it('prints its version and exits 0', async () => {
    expect(await spawnCli(['--version'], suite.env)).toMatchObject({ code: 0, stdout: 'steward 0.1.0\n' });
  });

  it('applies from stdin and lists what it applied', async () => {
    const applied = await spawnCli(['apply', '-f', '-'], suite.env, deviceYaml('bin-a', { team: 'infra' }));
    expect(applied).toMatchObject({ code: 0, stdout: 'device/bin-a created\n', stderr: '' });
    const listed = await spawnCli(['get', 'dev', '-l', 'team=infra'], suite.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^NAME\s+READY\s+REASON\s+PLATFORM\s+IDENTIFIER\s+AGE\nbin-a\s+Unknown\s+<none>\s+linux\s+machine-bin-a\s+\d+s\n$/,
    );
  });

  it('exits 1 with the server error and 2 on a usage error, without a stack trace', async () => {
    const missing = await spawnCli(['get', 'dev', 'nope'], suite.env);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): Device "nope" not found\n',
    });
    const usage = await spawnCli(['get'], suite.env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /);
  });
});
