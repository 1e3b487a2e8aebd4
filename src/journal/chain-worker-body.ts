import { parentPort } from 'node:worker_threads';
import { type ChainRequest, type ChainResponse, WORKER_READY } from './chain-worker.js';
import { packEntries } from './journal-insert.js';
import { chainEntries } from './link.js';

const port = parentPort;
if (!port) throw new Error('chain-worker-body runs in a worker thread');
port.on('message', (request: ChainRequest) => {
  let response: ChainResponse;
  try {
    const entries = chainEntries(request.head, request.shared, request.records, request.changes);
    const packed = request.pack ? packEntries(request.shared, entries) : undefined;
    response = {
      id: request.id,
      hashes: entries.map((entry) => entry.hash).join(''),
      packed,
    };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
port.postMessage(WORKER_READY);
