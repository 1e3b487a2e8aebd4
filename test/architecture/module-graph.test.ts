import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The relative modules a TypeScript file loads at run time: `import`/`export … from` statements,
 * minus those erased by the compiler (`import type`, or every imported name marked `type`).
 */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;]*?)\s*from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm;
  for (const match of source.matchAll(statement)) {
    const [, , typeOnly, names, from, bare] = match;
    if (bare) {
      found.push(bare);
      continue;
    }
    if (typeOnly) continue;
    const braced = /^\{([^}]*)\}$/.exec(names.trim());
    if (braced) {
      const members = braced[1]
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      if (members.length > 0 && members.every((name) => name.startsWith('type '))) continue;
    }
    found.push(from);
  }
  return found.map((path) => {
    const target = resolve(dirname(file), path.replace(/\.js$/, '.ts'));
    return existsSync(target) ? target : resolve(dirname(file), path);
  });
}

/** Every project module loaded, transitively, by importing `entries`. */
function moduleGraph(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file) || !file.endsWith('.ts')) continue;
    seen.add(file);
    pending.push(...runtimeImports(file));
  }
  return new Set([...seen].map((file) => relative(ROOT, file)));
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

describe('loading auth', () => {
  const authDir = join(ROOT, 'src', 'auth');
  const graph = moduleGraph(
    readdirSync(authDir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(authDir, name)),
  );

  it('loads no controller, no PKI and not the registry of kinds (permissions get a kind index)', () => {
    expect(graph.size).toBeGreaterThan(5);
    const heavy = [...graph].filter(
      (path) => path.startsWith('controllers/') || path.startsWith('src/pki/') || path === 'src/kinds.ts',
    );
    expect(heavy).toEqual([]);
  });

  it('would see the registry if auth imported it (the walk follows real imports)', () => {
    const withRegistry = moduleGraph([join(ROOT, 'src', 'app', 'compose.ts')]);
    expect(withRegistry).toContain('src/kinds.ts');
    expect(withRegistry).toContain('controllers/certificate-authority.ts');
    expect(withRegistry).toContain('src/pki/ca-lifecycle.ts');
  });
});

describe('the wire contract shared by server and CLI', () => {
  it('src/contract/ imports nothing but its own files (types and pure helpers only)', () => {
    const files = tsFilesUnder(join(ROOT, 'src', 'contract'));
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const specifiers = [
        ...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^;]*?from\s+'([^']+)'/gm),
      ];
      // A sibling in src/contract/ (no '/' after './'): not node:, not a package, not the server.
      for (const [, specifier] of specifiers) expect(specifier, file).toMatch(/^\.\/[^/]+\.js$/);
    }
  });

  it('the CLI loads no server module: only src/cli/, src/contract/ and the package-root leaf', () => {
    const graph = moduleGraph(tsFilesUnder(join(ROOT, 'src', 'cli')));
    expect(graph).toContain('src/contract/discovery.ts');
    // package-root.ts finds package.json (the CLI's version) with node: imports only; a leaf.
    expect(
      [...graph].filter(
        (path) =>
          !path.startsWith('src/cli/') && !path.startsWith('src/contract/') && path !== 'src/package-root.ts',
      ),
    ).toEqual([]);
    expect(readFileSync(join(ROOT, 'src', 'package-root.ts'), 'utf8')).not.toMatch(/from '(?!node:)/);
  });
});
