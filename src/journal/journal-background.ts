import { Logger } from '@nestjs/common';
import type { JournalFollower } from './journal-follow.js';
import type { JournalRetention } from './journal-retention.js';

const HOUR_MS = 3_600_000;
/** The first run waits a little: start-up is busy enough, and retention is never urgent. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * The journal's part of the server's lifetime: retention runs on a timer, and open follow streams
 * are ended before the listener closes (an open stream would hold `close()` forever). The HTTP
 * module provides this object, so Nest calls the two lifecycle methods below.
 *
 * A plain timer rather than @nestjs/schedule: the interval is data (tests and operators change
 * it), the job needs no cron expression, and the domain class (JournalRetention) stays free of
 * Nest. Pruning is safe when several processes run it at once (see JournalRetention).
 */
export class JournalBackground {
  private readonly logger = new Logger('journal');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly retention: JournalRetention,
    private readonly follower: JournalFollower,
    private readonly intervalMs = HOUR_MS,
  ) {}

  onApplicationBootstrap(): void {
    if (this.intervalMs <= 0) return;
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.prune().finally(() => {
          this.running = undefined;
          if (this.timer) schedule(this.intervalMs);
        });
      }, delay);
      this.timer.unref();
    };
    schedule(Math.min(FIRST_RUN_DELAY_MS, this.intervalMs));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.follower.closeAll();
    await this.running;
  }

  /** One retention pass over every tenant; failures are logged and retried at the next pass. */
  async prune(): Promise<void> {
    try {
      for (const report of await this.retention.pruneAll()) {
        if (report.unsigned)
          this.logger.error(`tenant ${report.tenant}: head not signed: ${report.unsigned}`);
        if (report.refused) this.logger.error(`tenant ${report.tenant}: pruning stopped: ${report.refused}`);
        else if (report.pruned > 0)
          this.logger.log(
            `tenant ${report.tenant}: pruned ${report.pruned} entries (checkpoint at seq ${report.checkpointSeq})`,
          );
      }
    } catch (error) {
      this.logger.error(`journal retention failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
}
