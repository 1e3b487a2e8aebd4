/**
 * Every manifest in manifests/ and examples/ points editors at its kind's schema with a
 * `# yaml-language-server: $schema=` first line (the right relative path) and validates; a
 * tombstone (`steward.dev/lifecycle: absent`) needs only its kind and name. Workflows parse.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validator } from './fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const files = [...yamlFiles(join(root, 'manifests')), ...yamlFiles(join(root, 'examples'))];
const manifests = files.filter(
  (file) => !file.includes(`${join('.github', 'workflows')}`) && !file.endsWith('workflow.yml'),
);
const workflows = files.filter((file) => !manifests.includes(file));

describe('the manifests of manifests/ and examples/', () => {
  it('are found, and the workflows too', () => {
    expect(manifests.length).toBeGreaterThan(10);
    expect(workflows.length).toBeGreaterThanOrEqual(2);
  });

  it.each(manifests.map((file) => relative(root, file)))('%s names its schema and validates', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const documents = parseAllDocuments(text).map((document) => {
      expect(document.errors).toEqual([]);
      return document.toJS() as {
        kind: string;
        metadata: { name: string; annotations?: Record<string, string> };
      };
    });
    const kinds = new Set(documents.map((document) => document.kind));
    expect(kinds.size).toBe(1);
    const schema = join(root, 'schemas', 'v1', `${[...kinds][0].toLowerCase()}.json`);
    expect(text.split('\n')[0]).toBe(
      `# yaml-language-server: $schema=${relative(dirname(join(root, file)), schema)}`,
    );
    documents.forEach((document, index) => {
      if (document.metadata.annotations?.['steward.dev/lifecycle'] === 'absent')
        expect(document.metadata.name).toMatch(/^[a-z0-9-]+$/);
      else expect(validator.validate(document, index).problems).toEqual([]);
    });
  });

  it.each(workflows.map((file) => relative(root, file)))('%s is a workflow with id-token: write', (file) => {
    const workflow = parse(readFileSync(join(root, file), 'utf8')) as { permissions: Record<string, string> };
    expect(workflow.permissions['id-token']).toBe('write');
  });
});
