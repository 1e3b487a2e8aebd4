import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

/** What the build compiles or reads: a change to any of these makes dist/ stale. */
const SOURCES = ['src', 'controllers', 'schemas', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time under a path (a file, or a directory walked). */
export function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/**
 * Makes dist/ a build of the current sources: runs `npm run build:server` (the console has its own
 * build, test/console/harness.ts, which other suites may be running meanwhile) when dist/ has none or a source
 * is newer than the last build (CI's `npm install` has built it already; a developer's edit has
 * not). The build stamp is touched afterwards because tsc leaves its build info alone when no
 * output changed, which would otherwise make every later run rebuild.
 */
export function ensureBuild(): void {
  const root = packageRoot();
  const stamp = join(root, 'dist', '.tsbuildinfo');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const newest = Math.max(
    ...SOURCES.map((source) => join(root, source))
      .filter(existsSync)
      .map(newestChange),
  );
  if (built >= newest && existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) return;
  execFileSync('npm', ['run', 'build:server'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const now = new Date();
  utimesSync(stamp, now, now);
}
