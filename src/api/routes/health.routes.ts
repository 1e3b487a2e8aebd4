import { Controller, Get, HttpCode } from '@nestjs/common';
import { Database } from '../../store/database.js';
import { Permission } from '../permission.js';

/** Liveness and readiness, without credentials (probes and load balancers call them). */
@Controller()
export class HealthRoutes {
  constructor(private readonly db: Database) {}

  @Get('healthz')
  @Permission('public')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HttpCode(200)
  @Permission('public')
  async readyz() {
    await this.db.knex.raw('SELECT 1');
    return { status: 'ready', database: this.db.dialect };
  }
}
