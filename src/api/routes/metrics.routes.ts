import { Controller, Get, Header } from '@nestjs/common';
import { Engine } from '../../engine/engine.js';
import { Permission } from '../permission.js';

/**
 * `GET /metrics`: the engine's Prometheus metrics. They count across tenants, so `metrics:read`
 * exists only in the system tenant; Prometheus scrapes with a read-only key of that tenant as its
 * bearer token.
 */
@Controller()
export class MetricsRoutes {
  constructor(private readonly engine: Engine) {}

  @Get('metrics')
  @Permission('metrics:read')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.engine.renderMetrics();
  }
}
