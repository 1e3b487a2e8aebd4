import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A stand-in for the routes of docs/api-contract.md that the real server does not serve yet
 * (identity, keys, journal, rollout actions and reads): it answers exactly the contract's shapes, so the
 * CLI's side of the contract is tested now; the e2e suites take over as the routes land.
 */
export interface ContractServer {
  url: string;
  requests: Array<{ method: string; path: string; authorization?: string; body?: unknown }>;
  journal: Array<Record<string, unknown>>;
  /**
   * The statuses `GET /api/v1/rollouts/edge-rollout` answers, one per read, the last repeated
   * (a rollout progressing under `rollout status --watch`). Empty: a Pending rollout.
   */
  rolloutStatuses: Array<Record<string, unknown>>;
  /** Appends a chained entry and pushes it to every open follow stream. */
  append(): void;
  close(): Promise<void>;
}

const PASSWORD = 'correct horse';
const SESSION = 'sts_session_token';

/** The server's canonical JSON, independently written (keys sorted, no whitespace). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
    .join(',')}}`;
}

/** The journal's signing key: heads are Ed25519 signatures of canonical {tenant, seq, hash, time}. */
const signingKey = generateKeyPairSync('ed25519');
const publicKey = signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const keyId = createHash('sha256').update(publicKey.trim()).digest('hex').slice(0, 16);

/** The head of `journal`, signed now. */
function signHead(journal: Array<Record<string, unknown>>): Record<string, unknown> {
  const last = journal[journal.length - 1];
  const head = { tenant: 'acme', seq: last.seq, hash: last.hash, time: new Date().toISOString() };
  const signature = sign(null, Buffer.from(canonical(head)), signingKey.privateKey).toString('base64url');
  return { kind: 'JournalSignedHead', ...head, keyId, signature, publicKey };
}

/** A hash-chained journal of `count` entries, as the server would store and export it. */
export function chainedJournal(count: number): Array<Record<string, unknown>> {
  const entries: Array<Record<string, unknown>> = [];
  let prevHash = '0'.repeat(64);
  for (let seq = 1; seq <= count; seq++) {
    const entry: Record<string, unknown> = {
      tenant: 'acme',
      seq,
      time: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
      actor: { type: 'user', id: 'u1', name: 'alice' },
      requestId: `req-${seq}`,
      source: null,
      operation: 'apply',
      kind: 'Device',
      name: `dev-${seq}`,
      generation: 1,
      result: seq % 2 ? 'created' : 'configured',
      reason: null,
      changeset: null,
      changes: [{ pointer: '/spec/displayName', new: `Device ${seq}` }],
      prevHash,
    };
    entry.hash = createHash('sha256').update(canonical(entry)).digest('hex');
    prevHash = entry.hash as string;
    entries.push(entry);
  }
  return entries;
}

function status(response: ServerResponse, code: number, reason: string, message: string): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ apiVersion: 'steward.dev/v1', kind: 'Status', code, reason, message }));
}

function json(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startContractServer(): Promise<ContractServer> {
  const requests: ContractServer['requests'] = [];
  const journal = chainedJournal(5);
  const signedHead = () => signHead(journal);
  const keys: Array<Record<string, unknown>> = [];
  const followers = new Set<ServerResponse>();
  const rolloutStatuses: Array<Record<string, unknown>> = [];
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const body = await bodyOf(request);
    const authorization = request.headers.authorization;
    requests.push({
      method: request.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      authorization,
      body,
    });
    const route = `${request.method} ${url.pathname}`;
    const authed = authorization === `Bearer ${SESSION}`;

    if (route === 'POST /api/v1/auth/login') {
      const { username, password, tenant } = body as { username: string; password: string; tenant?: string };
      if (username !== 'alice' || password !== PASSWORD)
        return status(response, 401, 'Unauthorized', 'invalid username or password');
      return json(response, 200, {
        user: 'alice',
        tenant: tenant ?? 'default',
        role: 'admin',
        expiresAt: '2030-01-01T00:00:00Z',
        sessionToken: SESSION,
      });
    }
    if (!authed) return status(response, 401, 'Unauthorized', 'a credential is required');
    if (route === 'POST /api/v1/auth/logout') {
      response.writeHead(204);
      return response.end();
    }
    if (route === 'GET /api/v1/auth/me')
      return json(response, 200, {
        user: 'alice',
        tenant: 'acme',
        role: 'admin',
        permissions: ['devices:read', 'devices:write'],
        credential: { type: 'session', id: 's1', name: 'cli', expiresAt: '2030-01-01T00:00:00Z' },
      });
    if (route === 'GET /api/v1/keys') return json(response, 200, { kind: 'APIKeyList', items: keys });
    if (route === 'POST /api/v1/keys') {
      const request = body as Record<string, unknown>;
      const key = {
        id: `k${keys.length + 1}`,
        prefix: 'stw_abcd',
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        permissions: [],
        ...request,
      };
      keys.push(key);
      return json(response, 201, { ...key, key: `stw_abcd_plaintext_${key.id}` });
    }
    const rotate = /^POST \/api\/v1\/keys\/([^/]+)\/rotate$/.exec(route);
    if (rotate)
      return json(response, 200, {
        ...keys.find((key) => key.id === rotate[1]),
        key: 'stw_rotated_plaintext',
      });
    const revoke = /^DELETE \/api\/v1\/keys\/([^/]+)$/.exec(route);
    if (revoke) {
      if (!keys.some((key) => key.id === revoke[1]))
        return status(response, 404, 'NotFound', `API key "${revoke[1]}" not found`);
      response.writeHead(204);
      return response.end();
    }
    if (route === 'GET /api/v1/journal') {
      const items = [...journal]
        .reverse()
        .filter((entry) => !url.searchParams.get('name') || entry.name === url.searchParams.get('name'));
      const limit = Number(url.searchParams.get('limit') ?? 500);
      return json(response, 200, { kind: 'JournalEntryList', items: items.slice(0, limit), metadata: {} });
    }
    if (route === 'GET /api/v1/journal/follow') {
      const after = Number(url.searchParams.get('after') ?? 0);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': keep-alive\n\n');
      for (const entry of journal.filter((item) => (item.seq as number) > after))
        response.write(`id: ${entry.seq}\ndata: ${JSON.stringify(entry)}\n\n`);
      followers.add(response);
      response.on('close', () => followers.delete(response));
      return; // stays open, like the real stream
    }
    if (route === 'GET /api/v1/journal/export') {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const entry of journal) response.write(`${JSON.stringify(entry)}\n`);
      const last = journal[journal.length - 1];
      const head = { kind: 'JournalHead', tenant: 'acme', seq: last.seq, hash: last.hash, checkpoint: null };
      return response.end(`${JSON.stringify({ ...head, signedHead: signedHead() })}\n`);
    }
    if (route === 'GET /api/v1/journal/head') {
      const at = url.searchParams.get('at');
      const entry = at === null ? undefined : journal.find((item) => item.seq === Number(at));
      return json(response, 200, {
        ...signedHead(),
        ...(at === null ? {} : { at: { seq: Number(at), hash: entry?.hash ?? null, entry: entry ?? null } }),
      });
    }
    if (route === 'GET /api/v1/journal/verify')
      return json(response, 200, { ok: true, checked: journal.length, message: 'chain intact' });
    const action = /^POST \/api\/v1\/rollouts\/([^/]+)\/(approve|pause|resume|abort)$/.exec(route);
    if (action) {
      if (action[1] !== 'edge-rollout')
        return status(response, 404, 'NotFound', `Rollout "${action[1]}" not found`);
      const phases: Record<string, string> = {
        approve: 'Progressing',
        pause: 'Paused',
        resume: 'Progressing',
        abort: 'Aborted',
      };
      return json(response, 200, {
        apiVersion: 'steward.dev/v1',
        kind: 'RolloutAction',
        name: action[1],
        action: action[2],
        phase: phases[action[2]],
      });
    }
    const rollout = /^GET \/api\/v1\/rollouts\/([^/]+)$/.exec(route);
    if (rollout) {
      if (rollout[1] !== 'edge-rollout')
        return status(response, 404, 'NotFound', `Rollout "${rollout[1]}" not found`);
      const current = rolloutStatuses.length > 1 ? rolloutStatuses.shift() : rolloutStatuses[0];
      return json(response, 200, {
        apiVersion: 'steward.dev/v1',
        kind: 'Rollout',
        metadata: { name: rollout[1], generation: 1 },
        spec: {
          artifactRef: { name: 'agent-2-4-1' },
          target: { selector: { matchLabels: { ring: 'prod' } } },
          strategy: { waves: [{ percent: 10 }, { percent: 100 }] },
        },
        status: current ?? {},
      });
    }
    return status(response, 404, 'NotFound', `no route ${route}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    journal,
    rolloutStatuses,
    append() {
      const next = chainedJournal(journal.length + 1)[journal.length];
      journal.push(next);
      for (const follower of followers) follower.write(`id: ${next.seq}\ndata: ${JSON.stringify(next)}\n\n`);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
