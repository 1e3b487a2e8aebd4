import { describe, expect, it } from 'vitest';
import type { SigningKeyRow } from '../../src/artifacts/artifact-tables.js';
import { call, useServer } from '../support/server.js';
import { artifact } from './support.js';

interface ServedArtifact {
  metadata: { generation: number };
  status: {
    observedGeneration?: number;
    signature?: { keyId: string; algorithm: string; signedAt: string };
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  };
}

describe('the Artifact reconciler with the engine running', () => {
  const suite = useServer({ env: { STEWARD_ENGINE: 'on' } });

  /** Polls the artifact until its Ready condition has `reason` for its current generation. */
  async function readyReason(name: string, reason: string): Promise<ServedArtifact> {
    const deadline = Date.now() + 10_000;
    let last: ServedArtifact | undefined;
    while (Date.now() < deadline) {
      last = (await call<ServedArtifact>(suite.server, 'GET', `/api/v1/artifacts/${name}`)).body;
      const ready = last.status.conditions?.find((condition) => condition.type === 'Ready');
      if (ready?.reason === reason && last.status.observedGeneration === last.metadata.generation)
        return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`artifact ${name} never reported ${reason}: ${JSON.stringify(last?.status)}`);
  }

  it('reports Signed with the signature’s key in status', async () => {
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('ready-1')] })).status).toBe(
      200,
    );
    const served = await readyReason('ready-1', 'Signed');
    const key = (await suite.server.services.db
      .knex('signing_keys')
      .where({ tenant: 'default', current: 1 })
      .first()) as SigningKeyRow;
    expect(served.status.signature).toMatchObject({ keyId: key.key_id, algorithm: 'Ed25519' });
    expect(served.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('reports Unsigned for an artifact stored before signing, and Signed once it is published again', async () => {
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('legacy-1')] })).status).toBe(
      200,
    );
    await readyReason('legacy-1', 'Signed');
    // As a row stored by the release before: no signature.
    await suite.server.services.db.knex('artifact_signatures').where({ name: 'legacy-1' }).delete();
    await call(suite.server, 'POST', '/api/v1/apply', {
      body: [artifact('legacy-1', {}, { labels: { wake: 'up' } })],
    });
    // Applying it again signs it as it stands (a configured write without a signature for its uid).
    await readyReason('legacy-1', 'Signed');
    await suite.server.services.db.knex('artifact_signatures').where({ name: 'legacy-1' }).delete();
    suite.server.services.changes.publish([{ tenant: 'default', kind: 'Artifact', name: 'legacy-1' }]);
    const unsigned = await readyReason('legacy-1', 'Unsigned');
    expect(unsigned.status.conditions?.find((c) => c.type === 'Ready')?.message).toContain(
      'publish it again',
    );
    expect(unsigned.status.signature).toBeUndefined();
    await call(suite.server, 'POST', '/api/v1/apply', {
      body: [artifact('legacy-1', {}, { labels: { wake: 'up' }, annotations: { republished: 'yes' } })],
    });
    await readyReason('legacy-1', 'Signed');
  });
});
