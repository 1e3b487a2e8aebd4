import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Directories holding Steward's data: the owner alone may list or enter them. */
export const PRIVATE_DIRECTORY = 0o700;
/** The database, its WAL and shared memory, the master key: the owner alone may read them. */
export const PRIVATE_FILE = 0o600;

/** The permission bits `mode` grants beyond `wanted` (0 when none). Pure. */
export function looserBits(mode: number, wanted: number): number {
  return mode & 0o777 & ~wanted;
}

/**
 * Makes the SQLite file's directory (0700) and the file itself (0600, empty) before SQLite opens
 * it. SQLite creates the -wal and -shm files with the main file's mode, so creating the main file
 * private makes all three private, with no window in which one is readable and no process-wide
 * umask change. An existing directory or file keeps its mode (see looseDataFiles for the warning).
 */
export function createPrivateSqliteFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIRECTORY });
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE));
}

export interface LooseFile {
  path: string;
  mode: number;
  wanted: number;
}

/**
 * The data directories and files, of those that exist, whose modes let group or others in: what
 * the server warns about at start. `sqliteFile` is undefined on PostgreSQL.
 */
export function looseDataFiles(dataDir: string, sqliteFile: string | undefined): LooseFile[] {
  const wanted = new Map<string, number>([
    [dataDir, PRIVATE_DIRECTORY],
    [join(dataDir, 'master.key'), PRIVATE_FILE],
  ]);
  if (sqliteFile) {
    wanted.set(dirname(sqliteFile), PRIVATE_DIRECTORY);
    for (const suffix of ['', '-wal', '-shm']) wanted.set(`${sqliteFile}${suffix}`, PRIVATE_FILE);
  }
  const loose: LooseFile[] = [];
  for (const [path, mode] of wanted) {
    let actual: number;
    try {
      actual = statSync(path).mode & 0o777;
    } catch {
      continue;
    }
    if (looserBits(actual, mode) !== 0) loose.push({ path, mode: actual, wanted: mode });
  }
  return loose;
}
