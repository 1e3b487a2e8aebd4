import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_PASSWORD, useServer } from '../support/server.js';
import { deviceYaml, runCli, writeTree } from './harness.js';

/** login, whoami, keys, passwd and logout through the CLI against the real server. */
describe('steward identity commands against the real server', () => {
  const suite = useServer();
  let env: Record<string, string>;
  let configFile: string;
  const cli = (argv: string[], options: { stdin?: string; token?: string } = {}) =>
    runCli(argv, {
      env: options.token ? { ...env, STEWARD_TOKEN: options.token } : env,
      stdin: options.stdin,
    });

  beforeAll(async () => {
    const home = writeTree({});
    configFile = join(home, '.steward', 'config');
    env = { HOME: home, STEWARD_URL: suite.server.url };
  });

  it('walks a whole session: refused, login, keys, passwd, logout', async () => {
    const anonymous = await cli(['get', 'devices']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('Error from server (Unauthorized): authentication required');

    const wrong = await cli(['login', '-u', 'admin', '--password-stdin'], { stdin: 'not-the-password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('invalid username or password');

    const login = await cli(['login', '-u', 'admin', '--password-stdin'], {
      stdin: `${TEST_ADMIN_PASSWORD}\n`,
    });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(
      /^Logged in to .* as admin \(tenant default, role admin\); session expires /,
    );
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(await readFile(configFile, 'utf8')).toMatch(/token: sts_[0-9a-f]{16}_/);
    expect((await cli(['whoami'])).stdout).toMatch(/^User: +admin\nTenant: +default\nRole: +admin\n/);
    expect((await cli(['config', 'get-contexts'])).stdout).toMatch(
      /\*\s+\S+\s+http:\/\/127\.0\.0\.1:\d+\s+default\s+yes/,
    );

    const created = await cli([
      'keys',
      'create',
      '--type',
      'fine-grained',
      '--name',
      'ci',
      '--permission',
      'devices:read',
      '--expires',
      '7d',
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^stw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(
      /API key [0-9a-f]{16} \(ci\) created: type fine-grained, expires .*\nCopy this key now/,
    );
    const id = key.split('_')[1];

    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toMatch(
      new RegExp(`${id}\\s+ci\\s+fine-grained\\s+<none>\\s+stw_${id}\\s+devices:read`),
    );
    expect(listed.stdout).not.toContain(key.slice('stw_0123456789abcdef_'.length));

    expect((await cli(['get', 'devices'], { token: key })).code).toBe(0);
    const root = writeTree({ 'd.yaml': deviceYaml('cli-id') });
    const refused = await cli(['apply', '-f', join(root, 'd.yaml')], { token: key });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`lacks the permission "devices:write"`);
    const keyMintsKey = await cli(['keys', 'list'], { token: key });
    expect(keyMintsKey.code).toBe(1);
    expect(keyMintsKey.stderr).toContain('"keys:write"');

    const rotated = await cli(['keys', 'rotate', id]);
    expect(rotated.code).toBe(0);
    const next = rotated.stdout.trim();
    expect(next).not.toBe(key);
    expect((await cli(['get', 'devices'], { token: key })).code).toBe(1);
    expect((await cli(['get', 'devices'], { token: next })).code).toBe(0);
    expect((await cli(['keys', 'revoke', id])).stdout).toBe(`key ${id} revoked\n`);
    const revoked = await cli(['get', 'devices'], { token: next });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain('was revoked at');

    const passwd = await cli(['passwd', '--password-stdin'], {
      stdin: `${TEST_ADMIN_PASSWORD}\nanother-password-9\n`,
    });
    expect(passwd.stderr).toBe('');
    expect(passwd.stdout).toBe('Password changed; your other sessions have ended.\n');

    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(await readFile(configFile, 'utf8')).not.toContain('token:');
    expect((await cli(['whoami'])).code).toBe(1);
    const again = await cli(['login', '-u', 'admin', '--password-stdin'], { stdin: 'another-password-9\n' });
    expect(again.code).toBe(0);
  });

  it('administers users and tenants', async () => {
    const admin = await cli(['login', '-u', 'admin', '--password-stdin'], { stdin: 'another-password-9\n' });
    expect(admin.code).toBe(0);
    const created = await cli(['users', 'create', 'uma', '--role', 'operator', '--password-stdin'], {
      stdin: 'uma-password-123\n',
    });
    expect(created).toMatchObject({ code: 0, stdout: 'user uma created (role operator)\n' });
    expect((await cli(['users', 'list'])).stdout).toMatch(
      /USERNAME\s+ROLE\s+AGE\nadmin\s+admin\s+\S+\numa\s+operator\s+\S+\n/,
    );
    expect((await cli(['users', 'set-role', 'uma', 'viewer'])).stdout).toBe('user uma now has role viewer\n');
    const demoteLast = await cli(['users', 'set-role', 'admin', 'viewer']);
    expect(demoteLast.code).toBe(1);
    expect(demoteLast.stderr).toContain('last admin');
    const reset = await cli(['users', 'reset-password', 'uma', '--password-stdin'], {
      stdin: 'uma-password-456\n',
    });
    expect(reset.stdout).toBe('password of uma reset; their sessions have ended\n');
    expect((await cli(['users', 'delete', 'uma'])).stdout).toBe('user uma deleted\n');

    const tenant = await cli(['tenants', 'create', 'acme', '--admin', 'ada', '--password-stdin'], {
      stdin: 'ada-password-789\n',
    });
    expect(tenant.stdout).toBe('tenant acme created; log in with: steward login --tenant acme -u ada\n');
    expect((await cli(['tenants', 'list'])).stdout).toMatch(/NAME\s+AGE\nacme\s+\S+\ndefault\s+\S+\n/);
    const login = await cli(['login', '--tenant', 'acme', '-u', 'ada', '--password-stdin'], {
      stdin: 'ada-password-789\n',
    });
    expect(login.stdout).toContain('as ada (tenant acme, role admin)');
    const refused = await cli(['tenants', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('"tenants:admin"');
  });
});
