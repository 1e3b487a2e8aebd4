import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { looserBits } from '../../src/store/file-modes.js';
import { startTestServer } from '../support/server.js';

describe('looserBits', () => {
  it.each([
    [0o600, 0o600, 0],
    [0o400, 0o600, 0],
    [0o644, 0o600, 0o044],
    [0o755, 0o700, 0o055],
    [0o700, 0o700, 0],
    [0o100600, 0o600, 0], // file type bits are not permissions
    [0o666, 0o600, 0o066],
  ])('mode %s against %s → %s', (mode, wanted, loose) => {
    expect(looserBits(mode, wanted)).toBe(loose);
  });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the data directory and files', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  async function start(dataDir: string, lines: string[] = []) {
    const database = {
      dialect: 'sqlite' as const,
      url: `sqlite:${join(dataDir, 'steward.db')}`,
      dataDir,
      drop: async () => {},
    };
    return startTestServer(
      database,
      { STEWARD_LOG_LEVEL: 'warn', STEWARD_LOG_FORMAT: 'json' },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
  }

  it('are created private: the directory 0700; the database, its WAL and shared memory, and the master key 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'steward-modes-'));
    roots.push(root);
    chmodSync(root, 0o755);
    const dataDir = join(root, 'nested', 'data');
    const lines: string[] = [];
    const server = await start(dataDir, lines);
    try {
      expect(mode(dataDir)).toBe(0o700);
      for (const file of ['steward.db', 'steward.db-wal', 'steward.db-shm', 'master.key'])
        expect(mode(join(dataDir, file)).toString(8), file).toBe('600');
      expect(lines.filter((line) => line.includes('others than its owner'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('that are looser already are kept, with a warning naming each and the chmod that mends it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'steward-modes-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const file = join(dataDir, 'steward.db');
    closeSync(openSync(file, 'w', 0o644));
    chmodSync(file, 0o644);
    const lines: string[] = [];
    const server = await start(dataDir, lines);
    try {
      const warnings = lines
        .map((line) => JSON.parse(line))
        .filter((line) => line.level === 'warn' && line.path);
      expect(warnings.map((line) => [line.path, line.mode, line.wanted])).toEqual(
        expect.arrayContaining([
          [dataDir, '755', '700'],
          [file, '644', '600'],
        ]),
      );
      expect(warnings.find((line) => line.path === file)?.msg).toContain(`chmod 600 ${file}`);
      // Not changed behind the operator's back.
      expect(mode(file)).toBe(0o644);
    } finally {
      await server.close();
    }
  });
});
