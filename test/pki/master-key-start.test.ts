/** The master key at server start: generated once, then checked against the database every start. */
import { randomBytes } from 'node:crypto';
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { freshSqlite, type TestDatabase } from '../support/databases.js';

let database: TestDatabase;
const keyFile = () => join(database.dataDir, 'master.key');

async function start(env: Record<string, string> = {}) {
  const config = loadConfig({
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_LOG_LEVEL: 'silent',
    ...env,
  });
  const services = await composeServices(config, { engine: { enabled: false } });
  await services.close();
}

beforeAll(() => {
  database = freshSqlite();
});
afterAll(() => database?.drop());

describe('the master key at start', () => {
  it('is generated into the data directory with mode 0600 on first start, and accepted on the next', async () => {
    await start();
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
    await start();
  });

  it('a different STEWARD_MASTER_KEY stops the start, naming the variable and never echoing the key', async () => {
    const wrong = randomBytes(32).toString('base64');
    const failure = start({ STEWARD_MASTER_KEY: wrong });
    await expect(failure).rejects.toThrow(ConfigError);
    const error = (await start({ STEWARD_MASTER_KEY: wrong }).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(
      /master key does not match: STEWARD_MASTER_KEY holds key \S+, but the database's CA keys were sealed under master key/,
    );
    expect(error.message).not.toContain(wrong);
  });

  it('a malformed STEWARD_MASTER_KEY stops the start, naming the variable', async () => {
    await expect(start({ STEWARD_MASTER_KEY: 'too-short' })).rejects.toThrow(
      /STEWARD_MASTER_KEY must hold a 32-byte key/,
    );
  });

  it('a lost key file stops the start instead of sealing new keys beside unreadable ones', async () => {
    await rename(keyFile(), `${keyFile()}.backup`);
    await expect(start()).rejects.toThrow(
      /master key missing: .*master\.key did not exist .* restore the key file from your backup/,
    );
    // The key generated in the attempt is not left behind to mislead the next start.
    await expect(stat(keyFile())).rejects.toThrow(/ENOENT/);
    await rename(`${keyFile()}.backup`, keyFile());
    await start();
  });
});
