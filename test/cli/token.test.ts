/**
 * `steward token create|list|revoke` against a real server: the token alone on stdout, usable as
 * STEWARD_TOKEN, listed without its secret, revoked and then refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTtl } from '../../src/cli/commands/token.js';
import { adminToken, useServer } from '../support/server.js';
import { runCli, writeTree } from './harness.js';

describe('token --ttl', () => {
  it.each([
    ['8h', 28_800],
    ['30m', 1_800],
    ['90s', 90],
    ['1h30m', 5_400],
    ['soon', undefined],
    ['1.5ms', undefined],
  ])('reads %s', (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds);
  });
});

describe('steward token against the real server', () => {
  const suite = useServer();
  let env: Record<string, string>;
  const cli = (argv: string[], extra: Record<string, string> = {}) =>
    runCli(argv, { env: { ...env, ...extra } });

  beforeAll(() => {
    env = { HOME: writeTree({}), STEWARD_URL: suite.server.url, STEWARD_TOKEN: adminToken(suite.server) };
  });

  it('creates a token printed alone on stdout, usable as STEWARD_TOKEN, listed, then revoked', async () => {
    const created = await cli([
      'token',
      'create',
      '--ttl',
      '2h',
      '--permission',
      'devices:read',
      '--description',
      'ci-debug',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^stt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('Copy this token now');

    const asToken = await cli(['get', 'devices'], { STEWARD_TOKEN: token });
    expect(asToken.code, asToken.stderr).toBe(0);
    const refused = await cli(['token', 'create'], { STEWARD_TOKEN: token });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('needs a login session');

    const listed = await cli(['token', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    const id = token.split('_')[1];
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('ci-debug');
    expect(listed.stdout).not.toContain(token);

    const revoked = await cli(['token', 'revoke', id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await cli(['get', 'devices'], { STEWARD_TOKEN: token });
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('revoked');
  });

  it('refuses a ttl over 12 hours before asking the server', async () => {
    const reply = await cli(['token', 'create', '--ttl', '13h']);
    expect(reply.code).toBe(2);
    expect(reply.stderr).toContain('--ttl takes a duration from 1m to 12h');
  });
});
