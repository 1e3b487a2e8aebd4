import { Controller, Get, Header } from '@nestjs/common';
import { Engine } from '../../engine/engine.js';
import { Permission } from '../permission.js';

/**
 * `GET /metrics`: the engine's Prometheus metrics. Public on purpose: Prometheus scrapes without
 * Steward credentials, and the figures are counts by kind, never names, tenants or secrets. Served
 * on the same listener as the API; restrict it at the network if that matters.
 */
@Controller()
export class MetricsRoutes {
  constructor(private readonly engine: Engine) {}

  @Get('metrics')
  @Permission('public')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.engine.renderMetrics();
  }
}
