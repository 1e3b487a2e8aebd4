/**
 * `steward apply --wait`: against a server whose engine reconciles, success once every changed
 * resource is Ready for its new generation, and a timeout (exit 1) naming each one not Ready and
 * why (issue #17, item 4, the client side).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { usePkiServer } from '../pki/pki-server.js';
import { runCli, writeTree } from './harness.js';

const handle = usePkiServer();
let env: Record<string, string>;
const cli = (argv: string[], stdin: string) => runCli(argv, { env, stdin });

const ca = (name: string, extra = '') => `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: ${name}
spec:
  type: root
  subject:
    commonName: ${name}
${extra}`;

beforeAll(() => {
  env = { HOME: writeTree({}), STEWARD_URL: handle.server.url, STEWARD_TOKEN: handle.token };
});

describe('apply --wait', () => {
  it('returns once every changed resource is Ready for the generation the apply gave it', async () => {
    const reply = await cli(['apply', '-f', '-', '--wait', '--timeout', '60s'], ca('wait-root'));
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toContain('certificateauthority/wait-root created');
    expect(reply.stdout).toMatch(/certificateauthority\/wait-root Ready \(changeset [0-9a-f-]{36}\)/);
    const changeset = /changeset ([0-9a-f-]{36})/.exec(reply.stdout)?.[1];
    // The condition names the changeset it observed, and the journal links the transition to it.
    const got = await cli(['get', 'ca', 'wait-root', '-o', 'json'], '');
    const served = JSON.parse(got.stdout);
    expect(served.metadata.changeset).toBe(changeset);
    expect(served.status.observedChangeset).toBe(changeset);
    expect(served.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      observedChangeset: changeset,
    });
    const journal = await cli(['journal', '--changeset', String(changeset), '-o', 'json'], '');
    const entries = JSON.parse(journal.stdout).items as Array<{ operation: string; result: string }>;
    expect(entries.map((entry) => `${entry.operation} ${entry.result}`)).toEqual(
      expect.arrayContaining(['apply created', 'status Ready=True']),
    );
    const described = await cli(['describe', 'ca', 'wait-root'], '');
    expect(described.stdout).toMatch(
      new RegExp(`Ready:\\s+True since .* \\(changeset ${changeset} applied by user:admin`),
    );
  });

  it('fails at once, with the reason, when a resource stalls for this changeset', async () => {
    const selfSigned = `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: wait-stalled
spec:
  type: intermediate
  parentRef:
    name: wait-stalled
  subject:
    commonName: stalled
`;
    const started = Date.now();
    const reply = await cli(['apply', '-f', '-', '--wait', '--timeout', '60s'], selfSigned);
    expect(reply.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(reply.stderr).toMatch(/1 resource\(s\) failed for changeset [0-9a-f-]{36}/);
    expect(reply.stderr).toContain('certificateauthority/wait-stalled: Stalled=True (InvalidSpec)');
    // Fixed by the next apply: Stalled goes, and that changeset's wait succeeds.
    const fixed = await cli(
      ['apply', '-f', '-', '--wait', '--timeout', '60s'],
      `${ca('wait-stalled-parent')}---\n${selfSigned.replace('name: wait-stalled\n  subject', 'name: wait-stalled-parent\n  subject')}`,
    );
    expect(fixed.code, fixed.stderr).toBe(0);
    const got = JSON.parse((await cli(['get', 'ca', 'wait-stalled', '-o', 'json'], '')).stdout);
    expect(got.status.conditions.map((c: { type: string }) => c.type)).not.toContain('Stalled');
  });

  it('on a terminal, redraws one progress line instead of a line per resource', async () => {
    const reply = await runCli(['apply', '-f', '-', '--wait', '--timeout', '60s'], {
      env,
      stdin: `${ca('tty-a')}---\n${ca('tty-b')}`,
      tty: true,
    });
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toContain('\r\x1b[K');
    expect(reply.stdout).toMatch(/changeset [0-9a-f]{8}: 2\/2 Ready \(\d+s\)\n/);
    expect(reply.stdout).not.toContain('certificateauthority/tty-a Ready');
  });

  it('times out naming what is not Ready and why', async () => {
    const orphan = `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: wait-orphan
spec:
  type: intermediate
  parentRef:
    name: no-such-parent
  subject:
    commonName: orphan
`;
    const reply = await cli(['apply', '-f', '-', '--wait', '--timeout', '3s'], orphan);
    expect(reply.code).toBe(1);
    expect(reply.stderr).toContain('timed out waiting for 1 resource(s) to be Ready');
    expect(reply.stderr).toContain('certificateauthority/wait-orphan');
  });
});
