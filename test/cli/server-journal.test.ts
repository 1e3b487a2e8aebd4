import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StewardServer } from '../../src/server.js';
import type { TestDatabase } from '../support/databases.js';
import { deviceYaml, runCli, startCliServer, writeTree } from './harness.js';

/**
 * The journal and identity commands against the real server. Routes the server does not serve
 * yet (404) skip their test at run time, so these turn on by themselves as the routes land.
 */
describe('steward journal and identity against the real server', () => {
  let database: TestDatabase;
  let server: StewardServer;
  let env: Record<string, string>;
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env, stdin });
  const served = async (path: string) => (await fetch(`${server.url}${path}`)).status !== 404;

  beforeAll(async () => {
    ({ database, server, env } = await startCliServer());
    await cli(['apply', '-f', '-'], `${deviceYaml('j-a')}---\n${deviceYaml('j-b')}`);
    await cli(['apply', '-f', '-'], deviceYaml('j-a', {}, '  displayName: Changed'));
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it("verifies the server's own NDJSON export offline with the CLI's copy of the canonicalization", async (context) => {
    if (!(await served('/api/v1/journal/export'))) context.skip();
    const exported = await cli(['journal', 'export']);
    expect(exported.code).toBe(0);
    const root = writeTree({ 'journal.ndjson': exported.stdout });
    const verified = await cli(['journal', 'verify', '--file', join(root, 'journal.ndjson')]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect((await cli(['journal', 'verify'])).code).toBe(0);
  });

  it('lists journal entries of a resource', async (context) => {
    if (!(await served('/api/v1/journal'))) context.skip();
    const result = await cli(['journal', '--kind', 'dev', '--name', 'j-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/device\/j-a\s+configured\n/);
  });

  it('shows the history of a resource in describe', async (context) => {
    if (!(await served('/api/v1/devices/j-a/history'))) context.skip();
    const result = await cli(['describe', 'dev', 'j-a']);
    expect(result.stdout).toMatch(/History:\n {2}SEQ\s+AGE\s+ACTOR\s+OPERATION\s+RESULT/);
  });

  it('describes without history while the server has no history route', async (context) => {
    if (await served('/api/v1/devices/j-a/history')) context.skip();
    const result = await cli(['describe', 'dev', 'j-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('History:');
  });

  it('answers whoami from the server', async () => {
    const result = await cli(['whoami']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^User: +admin\nTenant: +default\nRole: +admin\nCredential: +session [0-9a-f]{16}\nExpires: +\d{4}-/,
    );
  });
});
