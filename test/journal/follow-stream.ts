import type { StewardServer } from '../../src/server.js';
import { authHeaders } from '../support/server.js';

/* A client of `GET /api/v1/journal/follow` over a real socket, for the follow suites. */

export interface ServerSentEvent {
  id?: string;
  data?: string;
  comment?: string;
}

/** Opens the follow stream over a real socket and collects its events as they come. */
export async function openFollow(server: StewardServer, query: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/v1/journal/follow${query}`, {
    headers: { accept: 'text/event-stream', ...authHeaders(server), ...headers },
    signal: controller.signal,
  });
  const events: ServerSentEvent[] = [];
  const waiters: Array<() => void> = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const event: ServerSentEvent = {};
          for (const line of buffer.slice(0, end).split('\n')) {
            if (line.startsWith(':')) event.comment = line.slice(1).trim();
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('data: ')) event.data = line.slice(6);
          }
          events.push(event);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        for (const wake of waiters.splice(0)) wake();
      }
    } catch {
      // aborted by the test
    }
  })();
  return {
    response,
    events,
    seqs: () =>
      events.filter((event) => event.data).map((event) => JSON.parse(event.data as string).seq as number),
    /** Waits until `done(events)` holds, or fails after `ms`. */
    async until(done: (events: ServerSentEvent[]) => boolean, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!done(events)) {
        if (Date.now() > deadline)
          throw new Error(`timed out; events so far: ${JSON.stringify(events).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
