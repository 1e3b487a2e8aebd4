import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { StewardConfig } from '../config.js';

export type { DestinationStream, Logger } from 'pino';

/**
 * Where credentials could appear if a header object were ever logged. Nothing in Steward logs
 * headers or bodies; this is the second line, so that a future `log.info({req})` cannot leak.
 */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
];

/**
 * The process's logger: JSON lines (pino) or, for a terminal, pino-pretty. `destination` replaces
 * stdout (tests capture lines; benchmarks write a file).
 */
export function createLogger(
  config: Pick<StewardConfig, 'logLevel' | 'logFormat'>,
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED, censor: '[redacted]' },
    // Names rather than pino's numbers: `"level":"warn"` is what people grep for.
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(options, destination);
  if (config.logFormat === 'pretty')
    return pino(
      options,
      pinoPretty({
        colorize: process.stdout.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        // One line per request, as in the JSON form: a terminal scrolls too fast for five.
        singleLine: true,
        sync: true,
      }),
    );
  return pino(options, logDestination(1));
}

const destinations = new Map<number | string, { stream: DestinationStream; flush(): void }>();

/**
 * The JSON lines' destination, stdout (fd 1) or a file, one per process however many servers it
 * runs: the lines of one event-loop turn are written together, after it, by one synchronous write
 * (pino's own default is a write per line). Under load a turn completes dozens of requests, and a
 * write per line cost more than formatting it; a line waits at most until its turn ends, and the
 * process's exit writes what is pending.
 */
export function logDestination(dest: number | string): DestinationStream {
  let destination = destinations.get(dest);
  if (!destination) {
    if (destinations.size === 0)
      process.once('exit', () => {
        for (const { flush } of destinations.values()) flush();
      });
    const target = pino.destination({ dest, sync: true });
    let pending = '';
    const flush = () => {
      if (pending === '') return;
      const batch = pending;
      pending = '';
      target.write(batch);
    };
    const stream = {
      write(line: string) {
        if (pending === '') setImmediate(flush);
        pending += line;
      },
    };
    destination = { stream, flush };
    destinations.set(dest, destination);
  }
  return destination.stream;
}

let processWide: Logger = pino({ level: 'silent' });

/**
 * Makes `logger` the process's: Nest's `Logger` and the engine write through it (the last server
 * started wins). Lines of a request go through `request.log` instead, which adds the request id:
 * no AsyncLocalStorage, whose promise hooks cost about 15 % of a small request's CPU on Node 20.
 */
export function setProcessLogger(logger: Logger): void {
  processWide = logger;
}

/** The process's logger (see setProcessLogger). */
export function processLogger(): Logger {
  return processWide;
}
