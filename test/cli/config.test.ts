import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type CliConfig, resolveConnection } from '../../src/cli/config-file.js';
import { adminToken, useServer } from '../support/server.js';
import { runCli, writeTree } from './harness.js';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('which server and token the CLI uses', () => {
  const config: CliConfig = {
    currentContext: 'prod',
    contexts: [
      { name: 'prod', server: 'https://steward.example.com/', tenant: 'acme', token: 'sts_prod' },
      { name: 'lab', server: 'http://lab:8080', token: 'sts_lab' },
    ],
  };

  it.each([
    [
      'the current context when nothing overrides it',
      {},
      undefined,
      'https://steward.example.com',
      'sts_prod',
    ],
    [
      'STEWARD_URL over the context, without leaking its token',
      { STEWARD_URL: 'http://other:1' },
      undefined,
      'http://other:1',
      undefined,
    ],
    [
      'STEWARD_TOKEN over the context token',
      { STEWARD_TOKEN: 'stw_env' },
      undefined,
      'https://steward.example.com',
      'stw_env',
    ],
    [
      '--server over STEWARD_URL',
      { STEWARD_URL: 'http://other:1', STEWARD_TOKEN: 't' },
      'http://flag:2',
      'http://flag:2',
      't',
    ],
    [
      'the context token when --server names the context server',
      {},
      'https://steward.example.com',
      'https://steward.example.com',
      'sts_prod',
    ],
  ])('uses %s', (_name, env, flag, server, token) => {
    const connection = resolveConnection(config, env, flag);
    expect(connection.server).toBe(server);
    expect(connection.token).toBe(token);
  });

  it('uses the default server when there is no context at all', () => {
    expect(resolveConnection({ contexts: [] }, {}).server).toBe('http://127.0.0.1:8080');
  });
});

describe('steward config and connection errors', () => {
  const suite = useServer();

  it('creates the config file 0600 in a 0700 directory and manages contexts', async () => {
    const home = writeTree({});
    const path = join(home, '.steward', 'config');
    const env = { HOME: home, STEWARD_TOKEN: adminToken(suite.server) };
    const created = await runCli(
      ['config', 'set-context', 'local', '--server', suite.server.url, '--tenant', 'acme'],
      { env },
    );
    expect(created).toMatchObject({ code: 0, stdout: 'Context "local" created.\n' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.steward')).mode & 0o777).toBe(0o700);
    expect(parse(await readFile(path, 'utf8'))).toEqual({
      currentContext: 'local',
      contexts: [{ name: 'local', server: suite.server.url, tenant: 'acme' }],
    });

    await runCli(['config', 'set-context', 'elsewhere', '--server', 'http://127.0.0.1:9'], { env });
    const listed = await runCli(['config', 'get-contexts'], { env });
    expect(listed.stdout.split('\n').map((line) => line.split(/\s+/).filter(Boolean))).toEqual([
      ['CURRENT', 'NAME', 'SERVER', 'TENANT', 'CREDENTIAL'],
      ['*', 'local', suite.server.url, 'acme', 'no'],
      ['elsewhere', 'http://127.0.0.1:9', 'no'],
      [],
    ]);
    // The current context's server is used...
    expect((await runCli(['get', 'devices'], { env })).code).toBe(0);
    expect((await runCli(['config', 'use-context', 'elsewhere'], { env })).stdout).toBe(
      'Switched to context "elsewhere".\n',
    );
    expect((await runCli(['config', 'current-context'], { env })).stdout).toBe('elsewhere\n');
    // ...and STEWARD_URL overrides it.
    expect((await runCli(['get', 'devices'], { env: { ...env, STEWARD_URL: suite.server.url } })).code).toBe(
      0,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);

    expect((await runCli(['config', 'use-context', 'missing'], { env })).code).toBe(1);
    expect((await runCli(['config', 'set-context', 'x', '--server', 'ftp://nope'], { env })).code).toBe(2);
  });

  it('explains a refused connection instead of printing a stack', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['get', 'devices'], {
      env: { STEWARD_URL: url, STEWARD_CONFIG: join(suite.database.dataDir, 'none') },
    });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: cannot reach Steward at ${url}: is it running? (start it with npm start)\n`,
    });
  });

  it('reports a config file that is not a config', async () => {
    const root = writeTree({ config: 'contexts: 42\n' });
    const result = await runCli(['get', 'devices'], { env: { STEWARD_CONFIG: join(root, 'config') } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: the config file .* is invalid: contexts must be a list\n$/);
  });
});
