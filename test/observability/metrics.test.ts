import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import type { StewardServer } from '../../src/server.js';
import { type MetricFamily, parsePrometheusText } from '../support/prometheus-text.js';
import { call, device, useServer } from '../support/server.js';

async function scrape(server: StewardServer): Promise<Map<string, MetricFamily>> {
  const response = await call(server, 'GET', '/metrics');
  expect(response.status).toBe(200);
  return parsePrometheusText(String(response.body));
}

function count(families: Map<string, MetricFamily>, name: string, labels: Record<string, string>): number {
  const family = families.get(name);
  const sample = family?.samples.find(
    (s) =>
      s.name === `${name}_count` &&
      Object.entries(labels).every(([label, value]) => s.labels[label] === value),
  );
  return sample?.value ?? 0;
}

describe('the exposition parser used below', () => {
  it.each([
    ['a sample with an unquoted label value', 'a{b=c} 1\n'],
    ['a TYPE after its samples', 'a 1\n# TYPE a counter\n'],
    ['a family split in two', 'a 1\nb 1\na{x="y"} 2\n'],
    ['a series given twice', 'a{x="y"} 1\na{x="y"} 2\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a missing final newline', 'a 1'],
  ])('refuses %s', (_name, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });

  it('reads escaped label values', () => {
    const families = parsePrometheusText('# TYPE a gauge\na{b="x\\"y\\\\z\\n"} 2.5\n');
    expect(families.get('a')?.samples[0]).toEqual({ name: 'a', labels: { b: 'x"y\\z\n' }, value: 2.5 });
  });
});

describe('GET /metrics', () => {
  const suite = useServer({ env: { STEWARD_ENGINE: 'on' } });
  // A second server in the same process: registries of its own, nothing counted twice or refused.
  const other = useServer();

  it('is refused without metrics:read', async () => {
    expect((await call(suite.server, 'GET', '/metrics', { token: null })).status).toBe(401);
  });

  it('parses strictly, with runtime metrics, request durations by route template and the engine', async () => {
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [device('metered')] })).status).toBe(
      200,
    );
    for (let i = 0; i < 3; i++) await call(suite.server, 'GET', '/api/v1/devices/metered');
    await call(suite.server, 'GET', '/api/v1/devices/absent');
    await call(suite.server, 'GET', '/no/such/route');
    let families = await scrape(suite.server);
    for (let i = 0; families.get('steward_reconcile_total')?.samples.length === 0 && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      families = await scrape(suite.server);
    }

    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(families.has(name), name).toBe(true);

    const http = families.get('http_request_duration_seconds');
    expect(http?.type).toBe('histogram');
    const byName = { method: 'GET', route: '/api/v1/:plural/:name' };
    expect(count(families, 'http_request_duration_seconds', { ...byName, status: '200' })).toBe(3);
    expect(count(families, 'http_request_duration_seconds', { ...byName, status: '404' })).toBe(1);
    expect(count(families, 'http_request_duration_seconds', { route: 'unmatched', status: '404' })).toBe(1);
    // Label names exactly these: nothing per-request (no path, no id) can grow the series.
    for (const sample of http?.samples ?? [])
      expect(Object.keys(sample.labels).sort()).toEqual(
        sample.name.endsWith('_bucket') ? ['le', 'method', 'route', 'status'] : ['method', 'route', 'status'],
      );

    expect(families.get('steward_reconcile_total')?.samples).toContainEqual(
      expect.objectContaining({ labels: { kind: 'Device', result: 'success' } }),
    );
    expect(families.get('steward_reconcile_duration_seconds')?.type).toBe('histogram');
    expect(
      families
        .get('steward_queue_depth')
        ?.samples.map((s) => s.labels.state)
        .sort(),
    ).toEqual(['active', 'delayed', 'waiting']);
  });

  it('agrees with an independent parser (parse-prometheus-text-format, prom2json’s output)', async () => {
    await call(suite.server, 'GET', '/api/v1/devices/metered');
    const response = await call(suite.server, 'GET', '/metrics');
    const text = String(response.body);
    const ours = parsePrometheusText(text);
    const theirs = parsePrometheusTextFormat(text);
    expect(theirs.map((family) => family.name).sort()).toEqual([...ours.keys()].sort());
    for (const family of theirs)
      expect(family.type.toLowerCase(), family.name).toBe(ours.get(family.name)?.type);
    // Counters and gauges: every series, labels and value. Histograms only by name and type: this
    // parser (1.1.1) drops a histogram's labels, sum and count and merges its series; the strict
    // parser above checks those.
    for (const family of theirs.filter((f) => f.type === 'COUNTER' || f.type === 'GAUGE'))
      for (const metric of family.metrics)
        expect(
          ours
            .get(family.name)
            ?.samples.find((sample) => JSON.stringify(sample.labels) === JSON.stringify(metric.labels ?? {}))
            ?.value,
          family.name,
        ).toBe(Number(metric.value));
  });

  it('counts each server’s requests in its own registry', async () => {
    const route = { route: '/api/v1/:plural/:name' };
    const mine = count(await scrape(suite.server), 'http_request_duration_seconds', route);
    const theirs = count(await scrape(other.server), 'http_request_duration_seconds', route);
    await call(suite.server, 'GET', '/api/v1/devices/metered');
    expect(count(await scrape(suite.server), 'http_request_duration_seconds', route)).toBe(mine + 1);
    expect(count(await scrape(other.server), 'http_request_duration_seconds', route)).toBe(theirs);
  });
});
