import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/**
 * Reads one line typed at the terminal, the prompt on stderr. With `secret`, the terminal is put
 * in raw mode so nothing is echoed (backspace and Ctrl-C still work); the mode is always restored.
 */
export function promptLine(io: CliIo, prompt: string, secret: boolean): Promise<string> {
  const input = io.stdin;
  if (!input.isTTY || !input.on)
    throw CliError.of('stdin is not a terminal: pass the value with flags or --password-stdin', 2);
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      input.off?.('data', onData);
      if (secret) {
        input.setRawMode?.(false);
        io.stderr.write('\n');
      }
      input.pause?.();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\u0003') {
          finish();
          reject(CliError.of('interrupted', 130));
          return;
        }
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u007f' || char === '\b') value = Array.from(value).slice(0, -1).join('');
        else value += char;
      }
    };
    if (secret) input.setRawMode?.(true);
    input.on?.('data', onData);
    input.resume?.();
  });
}
