import type { ServerResponse } from 'node:http';

/**
 * Writes a chunk of a streamed answer (the journal's follow and export, the Kubernetes watch),
 * waiting for the socket to drain when its buffer is full, so a slow client slows the database
 * reads instead of growing memory. False once the client has gone.
 */
export async function writeChunk(raw: ServerResponse, chunk: string): Promise<boolean> {
  if (raw.destroyed || raw.writableEnded) return false;
  if (raw.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
  return !raw.destroyed;
}
