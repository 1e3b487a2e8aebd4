import { describe, expect, it } from 'vitest';
import { authHeaders, call, useServer } from '../support/server.js';

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: {
    causes?: Array<{ document?: number; pointer: string; message: string; line?: number; column?: number }>;
  };
}

const DEVICE_YAML = (name: string, extra = '') => `apiVersion: steward.dev/v1
kind: Device
metadata:
  name: ${name}
spec:
  platform: linux
  permanentIdentifier: id-${name}
${extra}`;

describe('input safety', () => {
  const suite = useServer({
    env: { STEWARD_BODY_LIMIT: String(64 * 1024), STEWARD_MAX_DOCUMENTS: '50' },
  });

  const applyYaml = (yaml: string) =>
    call<StatusBody & { items: Array<{ result: string }> }>(suite.server, 'POST', '/api/v1/apply', { yaml });
  const count = async () =>
    (await call<{ items: unknown[] }>(suite.server, 'GET', '/api/v1/devices')).body.items.length;

  it('applies a multi-document YAML stream', async () => {
    const response = await applyYaml(`${DEVICE_YAML('yaml-1')}---\n${DEVICE_YAML('yaml-2')}---\n`);
    expect(response.status).toBe(200);
    expect(response.body.items.map((item) => item.result)).toEqual(['created', 'created']);
  });

  it('points schema problems of YAML documents at their line and column', async () => {
    const response = await applyYaml(
      `${DEVICE_YAML('pos-1')}---\n${DEVICE_YAML('pos-2', '  colour: blue\n')}`,
    );
    expect(response.status).toBe(422);
    const cause = response.body.details?.causes?.[0];
    expect(cause).toMatchObject({ document: 1, pointer: '/spec/colour', line: 16, column: 3 });
    expect(cause?.message).toContain('unknown field "colour"');
  });

  it('refuses malformed YAML with the position of the error, writing nothing', async () => {
    const before = await count();
    const response = await applyYaml(
      `${DEVICE_YAML('bad-yaml-1')}---\nkind: Device\nmetadata: {name: [unclosed\n`,
    );
    expect(response.status).toBe(400);
    expect(response.body.reason).toBe('BadRequest');
    expect(response.body.details?.causes?.[0]).toMatchObject({ document: 1 });
    expect(response.body.details?.causes?.[0].line).toBeGreaterThan(0);
    expect(await count()).toBe(before);
  });

  it('refuses duplicate mapping keys', async () => {
    const response = await applyYaml(DEVICE_YAML('dup-key', '  platform: apple\n'));
    expect(response.status).toBe(400);
    expect(response.body.details?.causes?.[0].message).toMatch(/unique/i);
  });

  it('refuses a billion-laughs document quickly', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 10; level++) {
      const previous = String.fromCharCode(96 + level);
      const current = String.fromCharCode(97 + level);
      lines.push(`${current}: &${current} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const started = Date.now();
    const response = await applyYaml(`${lines.join('\n')}\n`);
    expect(response.status).toBe(400);
    expect(response.body.details?.causes?.[0].message).toMatch(/alias/i);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses __proto__ and constructor keys in YAML and JSON without polluting anything', async () => {
    const yaml = await applyYaml(DEVICE_YAML('proto-yaml', '  __proto__:\n    polluted: true\n'));
    expect(yaml.status).toBe(400);
    expect(yaml.body.details?.causes?.[0]).toMatchObject({ pointer: '/spec/__proto__' });
    const raw = await suite.server.app.inject({
      method: 'POST',
      url: '/api/v1/apply',
      // Authenticated: a request without a credential is refused before its body is parsed.
      headers: { ...authHeaders(suite.server), 'content-type': 'application/json' },
      payload: '{"kind":"Device","__proto__":{"polluted":true}}',
    });
    expect(raw.statusCode).toBe(400);
    const nested = await suite.server.app.inject({
      method: 'POST',
      url: '/api/v1/apply',
      // Authenticated: a request without a credential is refused before its body is parsed.
      headers: { ...authHeaders(suite.server), 'content-type': 'application/json' },
      payload: '{"kind":"Device","spec":{"constructor":{"prototype":{"polluted":true}}}}',
    });
    expect(nested.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body over the limit with 413 naming the limit', async () => {
    const response = await applyYaml(`# ${'x'.repeat(70 * 1024)}\n${DEVICE_YAML('too-big')}`);
    expect(response.status).toBe(413);
    expect(response.body.message).toContain(String(64 * 1024));
  });

  it('refuses more documents than allowed per request', async () => {
    const body = Array.from({ length: 51 }, (_, i) => ({
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: `many-${i}` },
      spec: { platform: 'linux', permanentIdentifier: `m-${i}` },
    }));
    const response = await call<StatusBody>(suite.server, 'POST', '/api/v1/apply', { body });
    expect(response.status).toBe(413);
    expect(response.body.message).toContain('at most 50');
  });

  it('names unknown kinds and the kinds it knows', async () => {
    const response = await applyYaml(
      'apiVersion: steward.dev/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n',
    );
    expect(response.status).toBe(422);
    expect(response.body.details?.causes?.[0].message).toContain('unknown kind "Widget"');
  });

  it('refuses prune without an apply set instead of silently ignoring it', async () => {
    const response = await call<StatusBody>(
      suite.server,
      'POST',
      '/api/v1/apply?prune=true&labelSelector=a%3Db',
      {
        yaml: DEVICE_YAML('prune-1'),
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('prune needs an apply set: add applyset=NAME');
    expect((await call(suite.server, 'GET', '/api/v1/devices/prune-1')).status).toBe(404);
  });
});
