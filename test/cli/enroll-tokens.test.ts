import { beforeAll, describe, expect, it } from 'vitest';
import { expiresText, labelsText, parseLabelFlags } from '../../src/cli/commands/enroll-tokens.js';
import { adminToken, call, useServer } from '../support/server.js';
import { runCli, writeTree } from './harness.js';

describe('enroll-tokens flags and columns', () => {
  it.each([
    { case: 'no flag', flags: [], result: { labels: {} } },
    { case: 'two labels', flags: ['team=infra', 'ring='], result: { labels: { team: 'infra', ring: '' } } },
    { case: 'a value with "="', flags: ['a=b=c'], result: { labels: { a: 'b=c' } } },
    { case: 'no "="', flags: ['team'], result: { error: '--label takes KEY=VALUE, got "team"' } },
    { case: 'an empty key', flags: ['=x'], result: { error: '--label takes KEY=VALUE, got "=x"' } },
    { case: 'a key twice', flags: ['a=1', 'a=2'], result: { error: '--label a is given twice' } },
  ])('parses $case', ({ flags, result }) => {
    expect(parseLabelFlags(flags)).toEqual(result);
  });

  it('shows labels sorted and expiry relative to now', () => {
    expect(labelsText({ z: '1', a: '2' })).toBe('a=2,z=1');
    expect(labelsText({})).toBe('<none>');
    const now = new Date('2026-06-01T12:00:00Z');
    expect(expiresText({ expiresAt: '2026-06-02T11:00:00.000Z', expired: false }, now)).toBe('in 23h');
    expect(expiresText({ expiresAt: '2026-06-01T10:00:00.000Z', expired: true }, now)).toBe('expired 2h ago');
  });
});

describe('steward enroll-tokens against the real server', () => {
  const suite = useServer();
  let env: Record<string, string>;
  const cli = (argv: string[]) => runCli(argv, { env });

  beforeAll(async () => {
    const home = writeTree({});
    env = { HOME: home, STEWARD_URL: suite.server.url, STEWARD_TOKEN: adminToken(suite.server) };
    const ca = {
      apiVersion: 'steward.dev/v1',
      kind: 'CertificateAuthority',
      metadata: { name: 'fleet-issuing' },
      spec: { type: 'root', subject: { commonName: 'Fleet' } },
    };
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [ca] })).status).toBe(200);
  });

  it('creates (plaintext alone on stdout), lists and deletes', async () => {
    const created = await cli([
      'enroll-tokens',
      'create',
      '--ca',
      'fleet-issuing',
      '--uses',
      '5',
      '--expires',
      '48h',
      '--label',
      'team=infra',
      '--label',
      'ring=canary',
      '--approval',
      'manual',
      '--description',
      'lab laptops',
    ]);
    expect(created.stderr).toMatch(
      /^enrollment token [0-9a-f]{16} created: CA fleet-issuing, 5 uses, approval manual, expires \S+\nCopy this token now/,
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^stw_enroll_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const id = created.stdout.slice(11, 27);

    const json = await cli(['enroll-tokens', 'create', '--ca', 'fleet-issuing', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      maxUses: 1,
      approval: 'auto',
      token: expect.any(String),
    });

    const list = await cli(['enroll-tokens', 'list']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+DESCRIPTION\s+CA\s+USES\s+EXPIRES\s+APPROVAL\s+LABELS$/);
    expect(lines.find((line) => line.startsWith(id))).toMatch(
      /^[0-9a-f]{16}\s+lab laptops\s+fleet-issuing\s+0\/5\s+in [12]d\s+manual\s+ring=canary,team=infra$/,
    );
    expect(list.stdout).not.toContain('stw_enroll_');
    const listJson = JSON.parse((await cli(['enroll-tokens', 'list', '-o', 'json'])).stdout);
    expect(listJson.items).toHaveLength(2);

    expect(await cli(['enroll-tokens', 'delete', id])).toMatchObject({
      code: 0,
      stdout: `enrollment token ${id} deleted\n`,
    });
    const again = await cli(['enroll-tokens', 'delete', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not found');
  });

  it('refuses bad flags before calling, and shows the server’s problems', async () => {
    for (const argv of [
      ['enroll-tokens', 'create'],
      ['enroll-tokens', 'create', '--ca', 'x', '--uses', 'many'],
      ['enroll-tokens', 'create', '--ca', 'x', '--uses', '0'],
      ['enroll-tokens', 'create', '--ca', 'x', '--approval', 'sometimes'],
      ['enroll-tokens', 'create', '--ca', 'x', '--label', 'novalue'],
    ]) {
      const result = await cli(argv);
      expect(result.code, argv.join(' ')).toBe(2);
    }
    const refused = await cli(['enroll-tokens', 'create', '--ca', 'missing-ca', '--expires', '9000h']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('must be at most 8760h');
    const missing = await cli(['enroll-tokens', 'create', '--ca', 'missing-ca']);
    expect(missing.stderr).toContain('CertificateAuthority "missing-ca" not found');
  });

  it('is refused with an API key, naming the permission', async () => {
    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'admin' },
    });
    const result = await runCli(['enroll-tokens', 'list'], { env: { ...env, STEWARD_TOKEN: key.body.key } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"enroll-tokens:write"');
  });
});
