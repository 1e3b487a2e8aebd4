import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { KINDS } from '../../src/kinds.js';
import { kindNames } from '../../src/resources/kind.js';
import { ManifestValidator } from '../../src/schema/validator.js';

const schemasDir = fileURLToPath(new URL('../../schemas', import.meta.url));

describe('the registry and the schema files must agree', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'steward-schemas-'));
    cpSync(schemasDir, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('every kind of the registry has a schema in the project', () => {
    expect(() => new ManifestValidator(KINDS)).not.toThrow();
  });

  it('a kind without a schema file fails construction, naming the kind', () => {
    const kinds = [...KINDS, kindNames('WifiProfile', 'wifiprofiles', ['wifi'])];
    expect(() => new ManifestValidator(kinds, dir)).toThrow(ConfigError);
    expect(() => new ManifestValidator(kinds, dir)).toThrow(
      /kind WifiProfile v1: expected v1\/wifiprofile\.json/,
    );
  });

  it('a schema file without a kind in the registry fails construction, naming the file', () => {
    const kinds = KINDS.filter((kind) => kind.kind !== 'Artifact');
    expect(() => new ManifestValidator(kinds, dir)).toThrow(/v1\/artifact\.json has no kind in the registry/);
  });

  it('a kind served in a version without schemas fails construction', () => {
    const kinds = KINDS.map((kind) => (kind.kind === 'Device' ? { ...kind, versions: ['v1', 'v2'] } : kind));
    expect(() => new ManifestValidator(kinds, dir)).toThrow(
      /no schema file for the shared definitions: expected v2\/common\.json/,
    );
  });

  it('a schema file that declares another kind fails construction', () => {
    writeFileSync(
      join(dir, 'v1', 'device.json'),
      JSON.stringify({
        $id: 'https://steward.dev/schemas/v1/device.json',
        properties: { kind: { const: 'Laptop' } },
      }),
    );
    expect(() => new ManifestValidator(KINDS, dir)).toThrow(
      /declares kind "Laptop", but the registry expects Device/,
    );
  });

  it('a schema file that is not JSON fails construction, naming the file', () => {
    writeFileSync(join(dir, 'v1', 'rollout.json'), '{ not json');
    expect(() => new ManifestValidator(KINDS, dir)).toThrow(/schema v1\/rollout\.json is not valid JSON/);
  });

  it('a schema that does not compile in strict mode fails construction, naming it', () => {
    writeFileSync(
      join(dir, 'v1', 'device.json'),
      JSON.stringify({
        $id: 'https://steward.dev/schemas/v1/device.json',
        type: 'object',
        properties: { kind: { const: 'Device' }, colour: { enum: ['red'], shade: 'dark' } },
      }),
    );
    expect(() => new ManifestValidator(KINDS, dir)).toThrow(
      /schema https:\/\/steward.dev\/schemas\/v1\/device.json does not compile/,
    );
  });

  it('a malformed x-steward-columns fails construction, naming the schema', () => {
    const file = join(dir, 'v1', 'devicegroup.json');
    const schema = JSON.parse(readFileSync(file, 'utf8'));
    schema['x-steward-columns'] = [{ name: 'DEVICES', jsonPath: 'status.count' }];
    writeFileSync(file, JSON.stringify(schema));
    expect(() => new ManifestValidator(KINDS, dir)).toThrow(
      /schema https:\/\/steward.dev\/schemas\/v1\/devicegroup.json does not compile: keyword "x-steward-columns" value is invalid.*jsonPath must match/,
    );
  });

  it('serves the columns a schema declares, for discovery', () => {
    expect(new ManifestValidator(KINDS, dir).printerColumns('DeviceGroup')).toEqual([
      { name: 'DEVICES', jsonPath: '.status.count' },
    ]);
  });

  it('a version without common.json fails construction', () => {
    unlinkSync(join(dir, 'v1', 'common.json'));
    expect(() => new ManifestValidator(KINDS, dir)).toThrow(/v1\/common\.json/);
  });

  it('a copied schema directory validates like the project one', () => {
    const validator = new ManifestValidator(KINDS, dir);
    const result = validator.validate({
      apiVersion: 'steward.dev/v1',
      kind: 'DeviceGroup',
      metadata: { name: 'all' },
      spec: { selector: {} },
    });
    expect(result.problems).toEqual([]);
  });
});
