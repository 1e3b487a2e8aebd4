/**
 * `npm run bench -- gitops`: an apply set of 10,000 Devices applied once; then the same set
 * applied again with prune, 1 % of the manifests changed and 1 % removed (issue #17, target ≤ 1 s
 * on SQLite), and its dry run (what `steward diff --prune` asks). Baseline in the same run: the
 * same re-apply without an apply set (no inventory, no prune). Median of 3 rounds, each on a fresh
 * database, over a real socket, engine off.
 */
import { benchLogin, device, startQuietServer } from './_http.js';

const COUNT = 10_000;
const ROUNDS = 3;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface ApplyResult {
  items: Array<{ result: string }>;
  deletions?: unknown[];
}

/** The second apply: every hundredth device changed (a label), every hundredth + 50 removed. */
function nextManifests() {
  return Array.from({ length: COUNT }, (_, i) => i)
    .filter((i) => i % 100 !== 50)
    .map((i) => {
      const manifest = device(i + 1);
      return i % 100 === 0
        ? {
            ...manifest,
            metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, changed: 'yes' } },
          }
        : manifest;
    });
}

async function post(
  url: string,
  token: string,
  query: string,
  body: string,
): Promise<{ ms: number; result: ApplyResult }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/apply?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`apply?${query} answered ${response.status}: ${text.slice(0, 400)}`);
  return { ms, result: JSON.parse(text) as ApplyResult };
}

async function round(): Promise<{
  prune: number;
  dryRun: number;
  plain: number;
  pruned: number;
  configured: number;
}> {
  const first = JSON.stringify(Array.from({ length: COUNT }, (_, i) => device(i + 1)));
  const next = JSON.stringify(nextManifests());
  const budget = 'maxDeletions=200&maxDeletionPercent=5';
  const withSet = await startQuietServer('steward-bench-gitops-');
  const plain = await startQuietServer('steward-bench-gitops-plain-');
  try {
    const token = await benchLogin(withSet.server.url);
    await post(withSet.server.url, token, 'applyset=fleet', first);
    const dryRun = await post(
      withSet.server.url,
      token,
      `applyset=fleet&prune=true&${budget}&dryRun=true`,
      next,
    );
    const pruned = await post(withSet.server.url, token, `applyset=fleet&prune=true&${budget}`, next);
    const plainToken = await benchLogin(plain.server.url);
    await post(plain.server.url, plainToken, '', first);
    const baseline = await post(plain.server.url, plainToken, '', next);
    return {
      prune: pruned.ms,
      dryRun: dryRun.ms,
      plain: baseline.ms,
      pruned: pruned.result.deletions?.length ?? 0,
      configured: pruned.result.items.filter((item) => item.result === 'configured').length,
    };
  } finally {
    await withSet.cleanup();
    await plain.cleanup();
  }
}

export default async function run(_args: string[]): Promise<void> {
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const last = rounds[rounds.length - 1];
  console.log(
    `apply set of ${COUNT} Devices re-applied with 1 % changed (${last.configured} configured) and 1 % removed (${last.pruned} pruned), SQLite, median of ${ROUNDS}:`,
  );
  console.log(
    `  apply --applyset --prune: ${median(rounds.map((r) => r.prune)).toFixed(0)} ms (target <= 1000 ms)`,
  );
  console.log(`  its dry run (diff --prune): ${median(rounds.map((r) => r.dryRun)).toFixed(0)} ms`);
  console.log(
    `  baseline, the same re-apply without an apply set: ${median(rounds.map((r) => r.plain)).toFixed(0)} ms`,
  );
}
