import { Controller, Get, Header } from '@nestjs/common';
import { ServerMetrics } from '../../observability/metrics.js';
import { Permission } from '../permission.js';

/**
 * `GET /metrics`: Prometheus metrics of the process, its HTTP requests and its engine. They count
 * across tenants, so `metrics:read` exists only in the system tenant; Prometheus scrapes with a
 * read-only key of that tenant as its bearer token.
 */
@Controller()
export class MetricsRoutes {
  constructor(private readonly metrics: ServerMetrics) {}

  @Get('metrics')
  @Permission('metrics:read')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
