import type { LoggerService } from '@nestjs/common';
import { processLogger } from './log.js';

/**
 * Nest's start-up narration ("Mapped {/api/v1/apply, POST} route", module initialisation): useful
 * when debugging routing, noise in every production start.
 */
const NARRATION = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

/**
 * Nest's `Logger` (used as `new Logger('engine')` across Steward) written through the process's
 * pino logger, its context as `component`. Nest passes the context as the last parameter, and an
 * error's stack before it.
 */
export class PinoNestLogger implements LoggerService {
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    const logger = processLogger();
    const component = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    if (component && NARRATION.has(component) && level === 'info') level = 'debug';
    if (!logger.isLevelEnabled(level)) return;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) logger[level]({ component, err: message }, message.message);
    else if (typeof message === 'string') logger[level]({ component, stack }, message);
    else logger[level]({ component, detail: message });
  }
}
