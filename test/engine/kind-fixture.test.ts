import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, useCliServer } from '../cli/harness.js';
import { sprocketLine } from './fixtures/kind-sprocket/line.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'kind-sprocket');
const SCHEMAS = join(import.meta.dirname, '..', '..', 'schemas', 'v1');

/** The production schemas and the fixture's one, in one folder (the validator reads one). */
function schemaDirWithSprocket(): string {
  const dir = mkdtempSync(join(tmpdir(), 'steward-sprocket-'));
  mkdirSync(join(dir, 'v1'));
  for (const file of readdirSync(SCHEMAS)) copyFileSync(join(SCHEMAS, file), join(dir, 'v1', file));
  copyFileSync(join(FIXTURE, 'sprocket.json'), join(dir, 'v1', 'sprocket.json'));
  return dir;
}

describe('a kind added from a directory holding a schema, a controller and a line', () => {
  let schemaDir: string | undefined;
  // Registered before the server's hooks: the folder is made before the start and removed after the close.
  beforeAll(() => {
    schemaDir = schemaDirWithSprocket();
  });
  afterAll(() => {
    if (schemaDir) rmSync(schemaDir, { recursive: true, force: true });
  });
  const suite = useCliServer({
    env: { STEWARD_ENGINE: 'on' },
    options: () => ({ extraKinds: [sprocketLine], schemaDir, engine: { resyncSeconds: 0 } }),
  });
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

  it('needs nothing else: the directory holds exactly those three files', () => {
    expect(readdirSync(FIXTURE).sort()).toEqual(['line.ts', 'sprocket.json', 'sprocket.ts']);
  });

  it('is applied, reconciled Ready, and listed with the columns its schema declares', async () => {
    const manifests = ['apiVersion: steward.dev/v1', 'kind: Sprocket'];
    const applied = await cli(
      ['apply', '-f', '-'],
      [
        [...manifests, 'metadata: {name: gear-1}', 'spec: {teeth: 42}'].join('\n'),
        [...manifests, 'metadata: {name: gear-2}', 'spec: {teeth: 12, colour: red}'].join('\n'),
      ].join('\n---\n'),
    );
    expect(applied).toMatchObject({ code: 0, stdout: 'sprocket/gear-1 created\nsprocket/gear-2 created\n' });
    for (const name of ['gear-1', 'gear-2'])
      expect((await cli(['wait', 'spr', name, '--for=condition=Ready', '--timeout', '10s'])).code).toBe(0);

    const table = (await cli(['get', 'sprockets'])).stdout.trimEnd().split('\n');
    expect(table[0]).toMatch(/^NAME\s+READY\s+REASON\s+TEETH\s+SIZE\s+AGE$/);
    expect(table.slice(1).map((line) => line.split(/\s+/).slice(0, 5))).toEqual([
      ['gear-1', 'True', 'Meshed', '42', 'large'],
      ['gear-2', 'True', 'Meshed', '12', 'small'],
    ]);
    const wide = (await cli(['get', 'spr', '-o', 'wide'])).stdout.trimEnd().split('\n');
    expect(wide[0]).toMatch(/^NAME\s+READY\s+REASON\s+TEETH\s+SIZE\s+COLOUR\s+AGE$/);
    expect(wide.slice(1).map((line) => line.split(/\s+/)[5])).toEqual(['black', 'red']);
  });

  it('is refused by its schema like any kind', async () => {
    const refused = await cli(
      ['apply', '-f', '-'],
      'apiVersion: steward.dev/v1\nkind: Sprocket\nmetadata: {name: gear-3}\nspec: {teeth: 2}\n',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('/spec/teeth');
  });
});
