/**
 * HTTPS for the listener (STEWARD_TLS_CERT_FILE / STEWARD_TLS_KEY_FILE): both or neither, the
 * files read at start (a missing one fails the start naming it), the URL https, and a TLS client
 * that trusts the certificate reaches the API, where a plain-HTTP client does not.
 */

import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { startServer } from '../../src/server.js';
import { freshSqlite } from '../support/databases.js';
import { makeTls, useKubeServer } from './kube-server.js';

describe('STEWARD_TLS_*', () => {
  it('takes both files or neither', () => {
    expect(() => loadConfig({ STEWARD_TLS_CERT_FILE: '/x.crt' })).toThrow(ConfigError);
    expect(() => loadConfig({ STEWARD_TLS_KEY_FILE: '/x.key' })).toThrow(/go together/);
    const config = loadConfig({
      STEWARD_TLS_CERT_FILE: 'a.crt',
      STEWARD_TLS_KEY_FILE: 'b.key',
      STEWARD_PORT: '9443',
    });
    expect(config.tls?.certFile).toMatch(/a\.crt$/);
    expect(config.publicUrl).toBe('https://127.0.0.1:9443');
    expect(loadConfig({}).tls).toBeUndefined();
  });

  it('refuses to start when a file cannot be read, naming the variable', async () => {
    const database = await freshSqlite();
    try {
      const tls = makeTls();
      const config = loadConfig({
        STEWARD_DATABASE_URL: database.url,
        STEWARD_DATA_DIR: database.dataDir,
        STEWARD_PORT: '0',
        STEWARD_DEVICE_PORT: '-1',
        STEWARD_LOG_LEVEL: 'silent',
        STEWARD_ADMIN_PASSWORD: 'test-admin-password',
        STEWARD_TLS_CERT_FILE: tls.cert,
        STEWARD_TLS_KEY_FILE: `${tls.dir}/missing.key`,
      });
      await expect(startServer(config, { engine: { enabled: false } })).rejects.toThrow(
        /STEWARD_TLS_KEY_FILE: cannot read .*missing\.key \(ENOENT\)/,
      );
    } finally {
      await database.drop();
    }
  });

  describe('a server with a certificate', () => {
    const kube = useKubeServer();

    it('serves HTTPS to a client trusting the certificate', async () => {
      expect(kube.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        const sent = request(
          `${kube.server.url}/healthz`,
          { ca: readFileSync(kube.tls.cert) },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        sent.on('error', reject);
        sent.end();
      });
      expect(status).toBe(200);
      // Plain HTTP on the TLS port is not served.
      const plain = await fetch(kube.server.url.replace('https:', 'http:') + '/healthz').then(
        (response) => response.status,
        () => 'refused',
      );
      expect(plain).not.toBe(200);
    });
  });
});
