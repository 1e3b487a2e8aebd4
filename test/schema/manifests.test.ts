import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KINDS } from '../../src/kinds.js';
import { validator } from './fixtures.js';

const manifestsDir = fileURLToPath(new URL('../../manifests', import.meta.url));
const files = readdirSync(manifestsDir).filter((name) => name.endsWith('.yaml'));

function documentsOf(file: string): unknown[] {
  return parseAllDocuments(readFileSync(join(manifestsDir, file), 'utf8')).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS();
  });
}

describe('the sample fleet in manifests/', () => {
  it('has a file for the quickstart to apply, each holding kinds of the registry', () => {
    expect(files.length).toBeGreaterThan(0);
    const known = new Set(KINDS.map((kind) => kind.kind));
    for (const file of files)
      for (const document of documentsOf(file)) expect(known).toContain((document as { kind: string }).kind);
  });

  it.each(files)('%s validates with no problem', (file) => {
    const documents = documentsOf(file);
    expect(documents.length).toBeGreaterThan(0);
    documents.forEach((document, index) => {
      expect(validator.validate(document, index).problems).toEqual([]);
    });
  });

  it.each(files)('%s points editors at the schema of the one kind it holds', (file) => {
    const kinds = new Set(documentsOf(file).map((document) => (document as { kind: string }).kind));
    expect(kinds.size).toBe(1);
    const firstLine = readFileSync(join(manifestsDir, file), 'utf8').split('\n')[0];
    const [kind] = [...kinds];
    expect(firstLine).toBe(`# yaml-language-server: $schema=../schemas/v1/${kind?.toLowerCase()}.json`);
  });

  it('has a device of every platform', () => {
    const platforms = documentsOf('devices.yaml').map(
      (document) => (document as { spec: { platform: string } }).spec.platform,
    );
    expect(new Set(platforms)).toEqual(new Set(['apple', 'tpm', 'linux', 'android', 'windows']));
  });
});

describe("the examples of each kind's schema", () => {
  it.each(KINDS.map((kind) => kind.kind))('%s has examples, each a valid manifest of its kind', (kind) => {
    const { examples } = validator.schemaFor(kind, 'v1') as { examples?: Array<{ kind?: string }> };
    expect(examples?.length).toBeGreaterThan(0);
    examples?.forEach((example, index) => {
      expect(example.kind).toBe(kind);
      expect(validator.validate(example, index).problems).toEqual([]);
    });
  });
});
