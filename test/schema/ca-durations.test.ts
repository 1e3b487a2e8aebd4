/**
 * CA specs the encoder cannot honour are refused at apply, every problem by pointer (#13 item 7):
 * validities bounded (1h to 100 years, leaves and renewal at least 1m) and leafValidity no longer
 * than the CA's own validity, given or by default.
 */
import { describe, expect, it } from 'vitest';
import { call, useServer } from '../support/server.js';

function ca(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'CertificateAuthority',
    metadata: { name },
    spec: { type: 'root', subject: { commonName: name }, ...spec },
  };
}

describe('CertificateAuthority durations', () => {
  const suite = useServer();

  it.each([
    [
      'a validity of 10,000 years',
      { validity: '90000000h' },
      '/spec/validity',
      'must be at most 876000h, got 90000000h',
    ],
    ['a validity of 500 ms', { validity: '500ms' }, '/spec/validity', 'must be at least 1h, got 500ms'],
    [
      'a leafValidity of 500 ms',
      { leafValidity: '500ms' },
      '/spec/leafValidity',
      'must be at least 1m, got 500ms',
    ],
    ['a renewBefore of 1 s', { renewBefore: '1s' }, '/spec/renewBefore', 'must be at least 1m, got 1s'],
    [
      'leaves longer than the CA',
      { validity: '720h', leafValidity: '8760h' },
      '/spec/leafValidity',
      'must not be longer than validity (720h), got 8760h',
    ],
    [
      'leaves longer than the default validity of a root',
      { leafValidity: '100000h' },
      '/spec/leafValidity',
      'must not be longer than validity (87600h), got 100000h',
    ],
  ])('refuses %s with 422, storing nothing', async (_name, spec, pointer, message) => {
    const reply = await call<{ details?: { causes?: Array<{ pointer: string; message: string }> } }>(
      suite.server,
      'POST',
      '/api/v1/apply',
      { body: [ca('bad-ca', spec)] },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(422);
    expect(reply.body.details?.causes).toContainEqual(expect.objectContaining({ pointer, message }));
    expect((await call(suite.server, 'GET', '/api/v1/certificateauthorities/bad-ca')).status).toBe(404);
  });

  it('refuses leaves longer than an intermediate’s default validity', async () => {
    const reply = await call<{ details?: { causes?: Array<{ pointer: string; message: string }> } }>(
      suite.server,
      'POST',
      '/api/v1/apply',
      {
        body: [ca('bad-int', { type: 'intermediate', parentRef: { name: 'root' }, leafValidity: '50000h' })],
      },
    );
    expect(reply.status).toBe(422);
    expect(reply.body.details?.causes).toContainEqual(
      expect.objectContaining({
        pointer: '/spec/leafValidity',
        message: 'must not be longer than validity (43800h), got 50000h',
      }),
    );
  });

  it('accepts the bounds themselves', async () => {
    const reply = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [
        ca('longest', { validity: '876000h', leafValidity: '876000h', renewBefore: '1m' }),
        ca('shortest', { validity: '1h', leafValidity: '1m' }),
      ],
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  });
});
