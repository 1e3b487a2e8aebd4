/** Where a CLI run reads and writes: the process in production, buffers in tests. */

/** Anything text can be written to (process.stdout, or a buffer in tests). */
export interface Writer {
  write(chunk: string): unknown;
  /** True on a terminal: progress displays redraw a line there, and print lines elsewhere. */
  isTTY?: boolean;
}

/** The readable side of stdin, with the TTY hooks the password prompt needs. */
export interface InputStream extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on?(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off?(event: 'data', listener: (chunk: Buffer) => void): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

/** Everything a command touches outside itself, injected so that `main` runs in-process in tests. */
export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  stdin: InputStream;
  env: Record<string, string | undefined>;
  /** Stops long-running commands (`journal --follow`); SIGINT in the real process. */
  signal?: AbortSignal;
  /** The clock, for ages and `--since 1h`. */
  now?: () => Date;
  /** Interval between `wait` polls, ms (tests shorten it). */
  pollIntervalMs?: number;
}

/** Writes one line (a newline is appended). */
export function println(writer: Writer, line = ''): void {
  writer.write(`${line}\n`);
}

/** Reads stdin to its end as UTF-8. */
export async function readAll(input: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
