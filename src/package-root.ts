import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The package's root directory (where package.json, schemas/ and manifests/ are): the nearest
 * directory above this module that holds a package.json. The same answer from src/ (vitest,
 * `npm run dev`) and from the compiled dist/src/, which has no package.json of its own.
 *
 * @throws Error when no package.json is above this module (a broken install).
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${import.meta.url}`);
    dir = parent;
  }
  root = dir;
  return dir;
}

/** A path inside the package root, e.g. `packagePath('schemas')`. */
export function packagePath(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}

/** The `version` of the package's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}
