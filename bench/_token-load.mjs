/**
 * The load of bench/federation.ts, in its own process: `connections` clients POST `{token}` to
 * `url` for `seconds`, each request with the next token of `file` (one a line: every token is
 * used once, as a CI job's is). Prints autocannon's JSON result.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, file, seconds, connections] = process.argv.slice(2);
const tokens = readFileSync(file, 'utf8').split('\n').filter(Boolean);
let next = 0;
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [
    {
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ token: tokens[next++ % tokens.length] }),
      }),
    },
  ],
});
process.stdout.write(JSON.stringify({ ...result, used: next, available: tokens.length }));
