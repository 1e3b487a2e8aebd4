/**
 * `steward get KIND -o yaml | steward apply -f -` reports `unchanged` for every kind, one object
 * and a whole list (issue #17, item 5): the sample fleet of manifests/ (which holds every kind)
 * applied, reconciled by the engine, then read back and applied again.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../../src/kinds.js';
import { usePkiServer } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { runCli, writeTree } from './harness.js';

const handle = usePkiServer();
let env: Record<string, string>;
const cli = (argv: string[], stdin?: string) => runCli(argv, { env, stdin });

beforeAll(async () => {
  const dir = fileURLToPath(new URL('../../manifests/', import.meta.url));
  const yaml = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n---\n');
  const applied = await call(handle.server, 'POST', '/api/v1/apply', { yaml });
  expect(applied.status, JSON.stringify(applied.body).slice(0, 500)).toBe(200);
  // Let the controllers write status: the round trip must ignore it.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  env = { HOME: writeTree({}), STEWARD_URL: handle.server.url, STEWARD_TOKEN: handle.token };
});

describe('get -o yaml | apply -f -', () => {
  it.each(KINDS.map((kind) => kind.plural))(
    'is unchanged for every %s, as a list and one by one',
    async (plural) => {
      const list = await cli(['get', plural, '-o', 'yaml']);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.trim(), `the sample fleet holds no ${plural}`).not.toBe('');
      const again = await cli(['apply', '-f', '-'], list.stdout);
      expect(again.code, again.stderr).toBe(0);
      const lines = again.stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/ unchanged$/);
      const name = lines[0].split(' ')[0].split('/')[1];
      const one = await cli(['get', plural, name, '-o', 'yaml']);
      const single = await cli(['apply', '-f', '-'], one.stdout);
      expect(single.stdout.trim()).toMatch(/ unchanged$/);
    },
  );
});
