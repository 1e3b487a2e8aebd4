/**
 * `npm run bench -- kubectl` (issue #19): `kubectl apply --server-side -f` of 1,000 Devices (one
 * YAML file) against the Kubernetes facade, creating them and then again unchanged: wall time and
 * the HTTP requests kubectl made (Steward's own request counter, /metrics). Baseline in the same
 * run: `steward apply -f` of the same file (the compiled CLI) on a fresh server, and for context
 * kubectl's client-side apply. Each on its own fresh SQLite database, over HTTPS (kubectl sends a
 * token only over TLS), engine off.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTls } from '../test/support/tls.js';
import { benchLogin, device, startQuietServer } from './_http.js';

const COUNT = 1_000;

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, _out, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.slice(0, 800)}`))
          : resolve(performance.now() - started),
    ),
  );
}

/** Requests served so far and the seconds spent serving them (the access histogram), by /metrics. */
async function served(url: string, token: string): Promise<{ count: number; seconds: number }> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  const total = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  return {
    count: total('http_request_duration_seconds_count'),
    seconds: total('http_request_duration_seconds_sum'),
  };
}

interface Measured {
  label: string;
  ms: number;
  requests: number;
  /** Time the server spent answering them. */
  serverMs: number;
}

export default async function kubectlBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-kubectl-'));
  const tlsFiles = makeTls();
  const { cert, key } = tlsFiles;
  const file = join(dir, 'devices.yaml');
  writeFileSync(file, Array.from({ length: COUNT }, (_, i) => stringify(device(i + 1))).join('---\n'));
  // This process fetches over HTTPS too (login, /metrics).
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const tls = { STEWARD_TLS_CERT_FILE: cert, STEWARD_TLS_KEY_FILE: key };
  const results: Measured[] = [];

  /** A fresh server; `measure` runs commands against it and records time and requests. */
  async function withServer(
    body: (
      measure: (
        label: string,
        command: string,
        args: string[],
        env?: Record<string, string>,
      ) => Promise<void>,
      url: string,
      token: string,
    ) => Promise<void>,
  ) {
    const { server, cleanup } = await startQuietServer('steward-bench-kubectl-db-', tls);
    try {
      const token = await benchLogin(server.url);
      await body(
        async (label, command, args, env = {}) => {
          const before = await served(server.url, token);
          const ms = await run(command, args, env);
          const after = await served(server.url, token);
          // The second scrape counts the first.
          results.push({
            label,
            ms,
            requests: after.count - before.count - 1,
            serverMs: (after.seconds - before.seconds) * 1000,
          });
        },
        server.url,
        token,
      );
    } finally {
      await cleanup();
    }
  }

  const kubeconfig = (url: string, token: string) => {
    const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      path,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster: {server: "${url}", certificate-authority: "${cert}"}\nusers:\n- name: u\n  user: {token: "${token}"}\ncontexts:\n- name: c\n  context: {cluster: s, user: u}\ncurrent-context: c\n`,
    );
    return path;
  };

  try {
    await withServer(async (measure, url, token) => {
      const config = kubeconfig(url, token);
      const args = [
        `--kubeconfig=${config}`,
        `--cache-dir=${join(dir, 'cache-ssa')}`,
        'apply',
        '--server-side',
        '-f',
        file,
      ];
      await measure(`kubectl apply --server-side (${COUNT} created)`, 'kubectl', args);
      await measure(`kubectl apply --server-side (${COUNT} unchanged)`, 'kubectl', args);
    });
    await withServer(async (measure, url, token) => {
      const config = kubeconfig(url, token);
      const args = [`--kubeconfig=${config}`, `--cache-dir=${join(dir, 'cache-csa')}`, 'apply', '-f', file];
      await measure(`kubectl apply, client-side (${COUNT} created)`, 'kubectl', args);
      await measure(`kubectl apply, client-side (${COUNT} unchanged)`, 'kubectl', args);
    });
    await withServer(async (measure, url, token) => {
      const compiled = join(process.cwd(), 'dist/src/cli/main.js');
      const cli = existsSync(compiled) ? [compiled] : ['--import', 'tsx', 'src/cli/main.ts'];
      const env = { STEWARD_URL: url, STEWARD_TOKEN: token, NODE_EXTRA_CA_CERTS: cert };
      await measure(
        `steward apply (baseline, ${COUNT} created)`,
        process.execPath,
        [...cli, 'apply', '-f', file],
        env,
      );
      await measure(
        `steward apply (baseline, ${COUNT} unchanged)`,
        process.execPath,
        [...cli, 'apply', '-f', file],
        env,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tlsFiles.dir, { recursive: true, force: true });
  }
  const width = Math.max(...results.map((result) => result.label.length));
  console.log(`${'operation'.padEnd(width)}  ${'time'.padStart(9)}  requests  ${'server time'.padStart(11)}`);
  for (const { label, ms, requests, serverMs } of results)
    console.log(
      `${label.padEnd(width)}  ${`${(ms / 1000).toFixed(2)} s`.padStart(9)}  ${String(requests).padStart(8)}  ${`${(serverMs / 1000).toFixed(2)} s`.padStart(11)}`,
    );
}
