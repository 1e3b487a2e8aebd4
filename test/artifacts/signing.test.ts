import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactMetadataOf } from '../../src/artifacts/artifact-admission.js';
import type { ArtifactSignatureRow, SigningKeyRow } from '../../src/artifacts/artifact-tables.js';
import { signingKeyId } from '../../src/artifacts/signing-keys.js';
import { artifactSignaturePayload } from '../../src/contract/artifact-signature.js';
import { DIALECTS } from '../support/databases.js';
import { call, loginToken, useServer } from '../support/server.js';
import { artifact, PASSWORD, type SignatureBody, type SigningKeyBody } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'steward-artifact-sig-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** openssl's verdict on a signature: `pkeyutl -verify -rawin` is pure Ed25519 over the file's bytes. */
function opensslVerifies(signature: SignatureBody, label: string): boolean {
  const dir = mkdtempSync(join(scratch, `${label}-`));
  writeFileSync(join(dir, 'pub.pem'), signature.publicKeyPem);
  writeFileSync(join(dir, 'payload'), signature.payload);
  writeFileSync(join(dir, 'sig.bin'), Buffer.from(signature.signature, 'base64'));
  try {
    const out = execFileSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-rawin',
        '-pubin',
        '-inkey',
        'pub.pem',
        '-in',
        'payload',
        '-sigfile',
        'sig.bin',
      ],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return out.includes('Signature Verified Successfully');
  } catch {
    return false;
  }
}

function nodeVerifies(signature: SignatureBody): boolean {
  return verify(
    null,
    Buffer.from(signature.payload),
    createPublicKey(signature.publicKeyPem),
    Buffer.from(signature.signature, 'base64'),
  );
}

describe.each(DIALECTS)('artifact signatures on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  const db = () => suite.server.services.db.knex;

  async function signatureOf(name: string) {
    return call<SignatureBody>(suite.server, 'GET', `/api/v1/artifacts/${name}/signature`);
  }

  it('signs an artifact as it is published: Node and openssl both verify the payload the contract gives', async () => {
    const manifest = artifact('agent-1-0-0');
    const applied = await call(suite.server, 'POST', '/api/v1/apply', { body: [manifest] });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const stored = await call<{ metadata: { uid: string } }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/agent-1-0-0',
    );
    const signature = await signatureOf('agent-1-0-0');
    expect(signature.status, JSON.stringify(signature.body)).toBe(200);
    expect(signature.body).toMatchObject({
      apiVersion: 'steward.dev/v1',
      kind: 'ArtifactSignature',
      name: 'agent-1-0-0',
      uid: stored.body.metadata.uid,
      algorithm: 'Ed25519',
    });
    expect(signature.body.keyId).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(signature.body.keyId).toBe(signingKeyId(createPublicKey(signature.body.publicKeyPem)));
    expect(signature.body.payload).toBe(artifactSignaturePayload({ name: 'agent-1-0-0', ...manifest.spec }));
    expect(JSON.parse(signature.body.payload)).toEqual({
      name: 'agent-1-0-0',
      version: '1.0.0',
      digest: manifest.spec.digest,
      size: 4096,
      platforms: ['linux'],
      url: manifest.spec.url,
    });
    expect(nodeVerifies(signature.body)).toBe(true);
    expect(opensslVerifies(signature.body, 'good')).toBe(true);
    // A changed byte of the payload fails both.
    const forged = { ...signature.body, payload: signature.body.payload.replace('4096', '4097') };
    expect(nodeVerifies(forged)).toBe(false);
    expect(opensslVerifies(forged, 'forged')).toBe(false);
  });

  it('keeps the private key sealed: never in an answer, the journal, or the table as key text', async () => {
    const rows = (await db()('signing_keys').where({ tenant: 'default' })) as SigningKeyRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0].sealed_private_key).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+:[\w-]+$/);
    const journal = await call(suite.server, 'GET', '/api/v1/journal?limit=1000');
    const keys = await call(suite.server, 'GET', '/api/v1/signing-keys');
    for (const text of [JSON.stringify(journal.body), JSON.stringify(keys.body), JSON.stringify(rows)])
      expect(text).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(journal.body)).not.toContain(rows[0].sealed_private_key);
    expect(JSON.stringify(keys.body)).not.toContain('sealed');
  });

  it('refuses a change of a published spec, naming the field, and accepts description, labels and annotations', async () => {
    await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('fixed-1')] });
    const before = await call<{ metadata: { generation: number; uid: string } }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/fixed-1',
    );
    const changed = await call<{
      message: string;
      details: { causes: Array<{ pointer: string; message: string }> };
    }>(suite.server, 'POST', '/api/v1/apply', {
      body: [artifact('fixed-1', { digest: `sha256:${'f'.repeat(64)}`, size: 1 })],
    });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes.map((cause) => cause.pointer)).toEqual(['/spec/digest', '/spec/size']);
    expect(changed.body.details.causes[0].message).toContain('spec of a published artifact is immutable');
    expect(changed.body.details.causes[0].message).toContain('publish the new version as a new Artifact');
    // Removing the url is a change too.
    const { url: _url, ...withoutUrl } = artifact('fixed-1').spec;
    const removed = await call<{ details: { causes: Array<{ pointer: string }> } }>(
      suite.server,
      'POST',
      '/api/v1/apply',
      {
        body: [{ ...artifact('fixed-1'), spec: withoutUrl }],
      },
    );
    expect(removed.status).toBe(422);
    expect(removed.body.details.causes.map((cause) => cause.pointer)).toEqual(['/spec/url']);
    const unchanged = await call<{ metadata: { generation: number } }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/fixed-1',
    );
    expect(unchanged.body.metadata.generation).toBe(before.body.metadata.generation);

    const described = await call<{ items: Array<{ result: string; generation: number }> }>(
      suite.server,
      'POST',
      '/api/v1/apply',
      {
        body: [
          artifact(
            'fixed-1',
            { description: 'fixes the agent' },
            { labels: { channel: 'beta' }, annotations: { note: 'x' } },
          ),
        ],
      },
    );
    expect(described.status, JSON.stringify(described.body)).toBe(200);
    expect(described.body.items[0].result).toBe('configured');
    expect(described.body.items[0].generation).toBeGreaterThan(before.body.metadata.generation);
    // The signature is the one made at publication: description is not signed.
    const signature = await signatureOf('fixed-1');
    expect(signature.body.uid).toBe(before.body.metadata.uid);
    expect(nodeVerifies(signature.body)).toBe(true);
  });

  it('rotates: the old key stays listed with its validity and still verifies what it signed; new artifacts use the new key', async () => {
    const old = await signatureOf('agent-1-0-0');
    const rotated = await call<SigningKeyBody & { kind: string }>(
      suite.server,
      'POST',
      '/api/v1/signing-keys/rotate',
    );
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body).toMatchObject({
      kind: 'SigningKey',
      current: true,
      retiredAt: null,
      algorithm: 'Ed25519',
    });
    expect(rotated.body.keyId).not.toBe(old.body.keyId);

    const list = await call<{ kind: string; items: SigningKeyBody[] }>(
      suite.server,
      'GET',
      '/api/v1/signing-keys',
    );
    expect(list.body.kind).toBe('SigningKeyList');
    expect(list.body.items.map((key) => [key.keyId, key.current])).toEqual([
      [old.body.keyId, false],
      [rotated.body.keyId, true],
    ]);
    const retired = list.body.items[0];
    expect(retired.retiredAt).not.toBeNull();
    expect(Date.parse(retired.retiredAt as string)).toBeGreaterThanOrEqual(Date.parse(retired.createdAt));

    const again = await signatureOf('agent-1-0-0');
    expect(again.body.keyId).toBe(old.body.keyId);
    expect(nodeVerifies(again.body)).toBe(true);
    expect(opensslVerifies(again.body, 'retired')).toBe(true);

    await call(suite.server, 'POST', '/api/v1/apply', {
      body: [artifact('agent-2-0-0', { version: '2.0.0' })],
    });
    const fresh = await signatureOf('agent-2-0-0');
    expect(fresh.body.keyId).toBe(rotated.body.keyId);
    expect(fresh.body.publicKeyPem).toBe(rotated.body.publicKeyPem);
    expect(nodeVerifies(fresh.body)).toBe(true);

    const journal = await call<{
      items: Array<{ operation: string; kind: string; name: string; result: string }>;
    }>(suite.server, 'GET', '/api/v1/journal?operation=rotate');
    expect(journal.body.items).toEqual([
      expect.objectContaining({
        operation: 'rotate',
        kind: 'SigningKey',
        name: rotated.body.keyId,
        result: 'rotated',
      }),
    ]);
  });

  it('has no unsigned path: every Artifact row has a signature row with its uid', async () => {
    const batch = Array.from({ length: 25 }, (_, index) => artifact(`batch-${index}`));
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: batch })).status).toBe(200);
    // Deleted and published again under the same name: a new uid, a new signature.
    const firstUid = (
      (await db()('resources').where({ tenant: 'default', kind: 'Artifact', name: 'batch-0' }).first()) as {
        uid: string;
      }
    ).uid;
    expect((await call(suite.server, 'DELETE', '/api/v1/artifacts/batch-0')).status).toBe(200);
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('batch-0')] })).status).toBe(
      200,
    );
    const resources = (await db()('resources').where({ kind: 'Artifact' })) as Array<{
      tenant: string;
      name: string;
      uid: string;
      spec: unknown;
    }>;
    const signatures = (await db()('artifact_signatures')) as ArtifactSignatureRow[];
    expect(resources.length).toBeGreaterThanOrEqual(28);
    for (const resource of resources) {
      const signature = signatures.find(
        (row) => row.tenant === resource.tenant && row.name === resource.name,
      );
      expect(signature?.uid, resource.name).toBe(resource.uid);
      const spec = typeof resource.spec === 'string' ? JSON.parse(resource.spec) : resource.spec;
      expect(signature?.payload).toBe(
        artifactSignaturePayload(artifactMetadataOf({ name: resource.name, spec })),
      );
    }
    expect(signatures.find((row) => row.name === 'batch-0')?.uid).not.toBe(firstUid);
  });

  it('makes one key for a tenant however many applies sign at once', async () => {
    await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'race', admin: { username: 'race-admin', password: PASSWORD } },
    });
    const token = await loginToken(suite.server, 'race-admin', PASSWORD, 'race');
    const applies = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        call(suite.server, 'POST', '/api/v1/apply', { body: [artifact(`race-${index}`)], token }),
      ),
    );
    expect(applies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const keys = (await db()('signing_keys').where({ tenant: 'race' })) as SigningKeyRow[];
    expect(keys).toHaveLength(1);
    const signatures = (await db()('artifact_signatures').where({
      tenant: 'race',
    })) as ArtifactSignatureRow[];
    expect(signatures.map((row) => row.key_id)).toEqual(Array(6).fill(keys[0].key_id));
  });

  it('stores nothing on a dry run', async () => {
    const dry = await call(suite.server, 'POST', '/api/v1/apply?dryRun=true', { body: [artifact('dry-1')] });
    expect(dry.status).toBe(200);
    expect(await db()('resources').where({ kind: 'Artifact', name: 'dry-1' })).toEqual([]);
    expect(await db()('artifact_signatures').where({ name: 'dry-1' })).toEqual([]);
  });

  it('rolls the whole apply back when signing fails (a sealed key altered in the database)', async () => {
    const current = (await db()('signing_keys')
      .where({ tenant: 'default', current: 1 })
      .first()) as SigningKeyRow;
    const other = (await db()('signing_keys')
      .where({ tenant: 'default', current: null })
      .first()) as SigningKeyRow;
    // The retired key's sealed half moved onto the current one: it does not open (bound to its id).
    await db()('signing_keys')
      .where({ tenant: 'default', key_id: current.key_id })
      .update({ sealed_private_key: other.sealed_private_key });
    const journalBefore = await call<{ items: unknown[] }>(suite.server, 'GET', '/api/v1/journal?limit=1000');
    try {
      const failed = await call<{ reason: string }>(suite.server, 'POST', '/api/v1/apply', {
        body: [
          {
            apiVersion: 'steward.dev/v1',
            kind: 'DeviceGroup',
            metadata: { name: 'with-it' },
            spec: { selector: {} },
          },
          artifact('unsignable-1'),
        ],
      });
      expect(failed.status).toBe(500);
      expect(failed.body.reason).toBe('SigningKeyUnusable');
      expect(await db()('resources').whereIn('name', ['with-it', 'unsignable-1'])).toEqual([]);
      expect(await db()('artifact_signatures').where({ name: 'unsignable-1' })).toEqual([]);
      const journalAfter = await call<{ items: unknown[] }>(
        suite.server,
        'GET',
        '/api/v1/journal?limit=1000',
      );
      expect(journalAfter.body.items.length).toBe(journalBefore.body.items.length);
    } finally {
      await db()('signing_keys')
        .where({ tenant: 'default', key_id: current.key_id })
        .update({ sealed_private_key: current.sealed_private_key });
    }
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('unsignable-1')] })).status,
    ).toBe(200);
  });
});
