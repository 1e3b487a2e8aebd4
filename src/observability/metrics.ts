import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

let runtime: Registry | undefined;

/**
 * Process and Node.js runtime metrics (CPU, memory, event-loop lag, GC, handles). They describe the
 * process, so one set per process however many servers it runs (tests run several), on a registry
 * of Steward's own rather than prom-client's global one.
 */
function runtimeRegistry(): Registry {
  if (!runtime) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
  }
  return runtime;
}

/** Route label of requests that matched no route (404s), so that scanners cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * A server's metrics for `GET /metrics`: the runtime's, HTTP request durations, and those of other
 * parts (the engine's registry), rendered as one Prometheus text exposition.
 */
export class ServerMetrics {
  private readonly registry = new Registry();
  /** Seconds from request to response, by method, route template and status. */
  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(private readonly others: readonly Registry[] = []) {
    runtimeRegistry();
  }

  /** The Prometheus text format (version 0.0.4). */
  render(): Promise<string> {
    return Registry.merge([runtimeRegistry(), this.registry, ...this.others]).metrics();
  }
}
