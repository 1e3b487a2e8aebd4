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
