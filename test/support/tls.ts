/** A self-signed certificate for 127.0.0.1, made by the real openssl (HTTPS test and bench servers). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  dir: string;
  cert: string;
  key: string;
}

/** A self-signed P-256 certificate for 127.0.0.1, by openssl. */
export function makeTls(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'steward-kube-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { dir, cert, key };
}
