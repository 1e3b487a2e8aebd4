import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/package-root.js';
import { ensureBuild } from '../support/build.js';
import { deviceYaml, runCli, spawnCli, useCliServer } from './harness.js';

/** What `node --import` needs to run TypeScript; none may be a production dependency. */
const TYPESCRIPT_RUNTIMES = ['tsx', '@swc-node/register', '@swc/core', 'typescript', 'ts-node'];

/** The modules a run of the binary resolved, from test/support/trace-imports.mjs on stderr. */
function importedModules(stderr: string): string[] {
  return [...stderr.matchAll(/^import: (.*)$/gm)].map((match) => match[1]);
}

/** The real binary (bin/steward.js on the compiled dist/) as a child process: a few smoke cases. */
describe('the steward binary', () => {
  // The bin runs dist/: build it first when it is missing or older than the sources.
  beforeAll(() => ensureBuild(), 300_000);
  const suite = useCliServer();

  it('prints its version and exits 0', async () => {
    expect(await spawnCli(['--version'], suite.env)).toMatchObject({ code: 0, stdout: 'steward 0.1.0\n' });
    expect(await spawnCli(['version'], suite.env)).toMatchObject({ code: 0, stdout: 'steward 0.1.0\n' });
  });

  it('prints the same help as the CLI run in-process from source', async () => {
    const fromSource = await runCli(['--help']);
    expect(fromSource.code).toBe(0);
    expect(await spawnCli(['--help'], suite.env)).toEqual(fromSource);
  });

  it('runs compiled JavaScript, and --help and version load no package and no command module', async () => {
    for (const argv of [['--help'], ['version']]) {
      const run = await spawnCli(argv, suite.env, undefined, [
        '--import',
        packagePath('test/support/trace-imports.mjs'),
      ]);
      expect(run.code).toBe(0);
      const files = importedModules(run.stderr).filter((url) => url.startsWith('file:'));
      expect(files.some((url) => url.endsWith('/dist/src/cli/main.js'))).toBe(true);
      expect(files.filter((url) => url.includes('/node_modules/') || url.endsWith('.ts'))).toEqual([]);
      const commandModules = files.filter((url) => url.includes('/cli/commands/'));
      expect(commandModules).toEqual(argv[0] === 'version' ? [expect.stringMatching(/\/version\.js$/)] : []);
    }
  });

  it('starts well under a second (a TypeScript runtime at start would cost about that)', async () => {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      expect((await spawnCli(['--help'], suite.env)).code).toBe(0);
      times.push(performance.now() - started);
    }
    // The median, so one run slowed by the busy machine does not fail the suite; the precise
    // figure is `npm run bench -- cli`.
    expect(times.sort((a, b) => a - b)[2]).toBeLessThan(1_000);
  });

  it('needs no TypeScript runtime in production dependencies', () => {
    const manifest = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((name) => TYPESCRIPT_RUNTIMES.includes(name))).toEqual(
      [],
    );
  });

  it('applies from stdin and lists what it applied', async () => {
    const applied = await spawnCli(['apply', '-f', '-'], suite.env, deviceYaml('bin-a', { team: 'infra' }));
    expect(applied).toMatchObject({ code: 0, stdout: 'device/bin-a created\n', stderr: '' });
    const listed = await spawnCli(['get', 'dev', '-l', 'team=infra'], suite.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^NAME\s+READY\s+REASON\s+PLATFORM\s+APPROVED\s+ASSURANCE\s+LAST SEEN\s+VERSION\s+AGE\nbin-a\s+Unknown\s+<none>\s+linux(\s+<none>){4}\s+\d+s\n$/,
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
