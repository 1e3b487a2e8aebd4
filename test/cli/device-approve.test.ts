import { describe, expect, it } from 'vitest';
import { deviceYaml, runCli, useCliServer } from './harness.js';

describe('steward device approve', () => {
  const suite = useCliServer();
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

  it('approves a pending device once, and says why it cannot again', async () => {
    expect((await cli(['apply', '-f', '-'], deviceYaml('cli-pending'))).code).toBe(0);
    // As the device API records a device that enrolled with a manual token.
    const { db, deviceRecords } = suite.server.services;
    await db.transaction((trx) =>
      deviceRecords.enrolled(trx, {
        tenant: 'default',
        name: 'cli-pending',
        enroll_token: '0123456789abcdef',
        enrolled_at: new Date().toISOString(),
        approval: 'pending',
        approved_by: null,
        approved_at: null,
        enroll_key: 'a'.repeat(64),
        self_registered: false,
      }),
    );
    const approved = await cli(['device', 'approve', 'cli-pending']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('device/cli-pending approved');
    expect((await deviceRecords.get('default', 'cli-pending'))?.approval).toBe('approved');

    const again = await cli(['device', 'approve', 'cli-pending']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already approved \(by admin/);

    const missing = await cli(['device', 'approve', 'no-such-device']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Device "no-such-device" not found');
  });

  it('shows approval, assurance, last seen and version in get devices', async () => {
    expect((await cli(['apply', '-f', '-'], deviceYaml('cli-columns'))).code).toBe(0);
    const listed = await cli(['get', 'devices']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^NAME\s+READY\s+REASON\s+PLATFORM\s+APPROVED\s+ASSURANCE\s+LAST SEEN\s+VERSION\s+AGE/,
    );
  });
});
