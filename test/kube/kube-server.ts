/**
 * A Steward serving HTTPS for the Kubernetes facade's tests: kubectl and client-go send a bearer
 * token only over TLS. The certificate is made by the real `openssl` for 127.0.0.1; `kubectl`
 * runs the real binary (found on PATH) with a kubeconfig naming the server, the CA and a token.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { type RunningServer, type ServerSetup, useServer } from '../support/server.js';
import { makeTls, type TlsFiles } from '../support/tls.js';

export { makeTls, type TlsFiles } from '../support/tls.js';

/** The kubectl binary, or undefined (the suites skip, saying so). */
export const KUBECTL: string | undefined = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

export const KUBECTL_MISSING = 'kubectl is not on PATH (the Kubernetes facade tests need the real binary)';

export interface KubeServer extends RunningServer {
  readonly tls: TlsFiles;
}

/** useServer over HTTPS. */
export function useKubeServer(setup: ServerSetup = {}): KubeServer {
  const tls = makeTls();
  const running = useServer({
    ...setup,
    env: { STEWARD_TLS_CERT_FILE: tls.cert, STEWARD_TLS_KEY_FILE: tls.key, ...setup.env },
  });
  return {
    tls,
    get server() {
      return running.server;
    },
    get database() {
      return running.database;
    },
  };
}

/** Writes a kubeconfig for `token` and answers its path. */
export function kubeconfig(kube: KubeServer, token: string, name = 'user'): string {
  const path = join(kube.tls.dir, `kubeconfig-${name}`);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: steward',
      '  cluster:',
      `    server: ${kube.server.url}`,
      `    certificate-authority: ${kube.tls.cert}`,
      'users:',
      `- name: ${name}`,
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: steward',
      `  context: {cluster: steward, user: ${name}}`,
      'current-context: steward',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl with the kubeconfig (its discovery cache in the suite's directory). */
export function kubectl(
  config: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL ?? 'kubectl',
      [`--kubeconfig=${config}`, `--cache-dir=${join(config, '..', 'cache')}`, ...args],
      {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, KUBECTL_INTERACTIVE_DELETE: 'false' },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Skips the suite's hooks' heavy set-up when kubectl is missing (the tests skip themselves). */
export function whenKubectl(hook: () => Promise<void>): void {
  beforeAll(async () => {
    if (KUBECTL) await hook();
  });
}
