import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sbomContentType } from '../../src/cli/commands/artifact.js';
import { runCli, useCliServer, writeTree } from '../cli/harness.js';
import { call } from '../support/server.js';
import { artifact } from './support.js';

const CYCLONEDX = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] };

describe('steward artifact and steward signing-keys against a running server', () => {
  const suite = useCliServer();
  const cli = (argv: string[]) => runCli(argv, { env: suite.env });
  const db = () => suite.server.services.db.knex;

  it('verifies a published artifact locally', async () => {
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('agent-3-0-0')] })).status,
    ).toBe(200);
    const run = await cli(['artifact', 'verify', 'agent-3-0-0']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^artifact\/agent-3-0-0: signature OK \(key sha256:[0-9a-f]{32}, signed \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/,
    );
  });

  it('fails, saying what, when the stored spec no longer matches what was signed', async () => {
    await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('tampered-1')] });
    const row = (await db()('resources').where({ kind: 'Artifact', name: 'tampered-1' }).first()) as {
      spec: unknown;
    };
    const spec = typeof row.spec === 'string' ? JSON.parse(row.spec) : row.spec;
    await db()('resources')
      .where({ kind: 'Artifact', name: 'tampered-1' })
      .update({ spec: JSON.stringify({ ...spec, digest: `sha256:${'e'.repeat(64)}` }) });
    const run = await cli(['artifact', 'verify', 'tampered-1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'artifact/tampered-1: signature INVALID: the signed payload is not the artifact',
    );
  });

  it('fails when the signature does not verify with its key', async () => {
    await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('forged-1')] });
    const other = (await db()('artifact_signatures').where({ name: 'agent-3-0-0' }).first()) as {
      signature: string;
    };
    await db()('artifact_signatures').where({ name: 'forged-1' }).update({ signature: other.signature });
    const run = await cli(['artifact', 'verify', 'forged-1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/signature INVALID: the signature does not verify with key sha256:/);
  });

  it('attaches an SBOM from a file in its own type, and prints it back', async () => {
    const dir = writeTree({});
    const file = join(dir, 'agent.cdx.json');
    const text = `${JSON.stringify(CYCLONEDX, null, 2)}\n`;
    writeFileSync(file, text);
    const attached = await cli(['artifact', 'sbom', 'agent-3-0-0', '-f', file]);
    expect(attached.stderr).toBe('');
    expect(attached.stdout).toMatch(
      /^artifact\/agent-3-0-0: CycloneDX SBOM attached \(\d+ bytes, sha256 [0-9a-f]{64}\)\n$/,
    );
    const printed = await cli(['artifact', 'sbom', 'agent-3-0-0']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(text);
    writeFileSync(file, '{"name": "not an sbom"}');
    const refused = await cli(['artifact', 'sbom', 'agent-3-0-0', '-f', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('neither SPDX');
  });

  it('lists and rotates signing keys', async () => {
    const before = await cli(['signing-keys', 'list']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^KEY ID\s+ALGORITHM\s+STATE\s+CREATED\s+RETIRED\n/);
    expect(before.stdout.match(/current/g)).toHaveLength(1);
    const rotated = await cli(['signing-keys', 'rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^signing key sha256:[0-9a-f]{32} is current/);
    const after = await cli(['signing-keys', 'list', '-o', 'json']);
    const keys = JSON.parse(after.stdout).items as Array<{ current: boolean; retiredAt: string | null }>;
    expect(keys.map((key) => key.current)).toEqual([false, true]);
    // What the retired key signed still verifies.
    expect((await cli(['artifact', 'verify', 'agent-3-0-0'])).code).toBe(0);
  });

  it('tells an SBOM file’s media type from its fields', () => {
    expect(sbomContentType('{"spdxVersion":"SPDX-2.3"}')).toBe('application/spdx+json');
    expect(sbomContentType('{"bomFormat":"CycloneDX"}')).toBe('application/vnd.cyclonedx+json');
    expect(sbomContentType('not json')).toBeUndefined();
  });
});
