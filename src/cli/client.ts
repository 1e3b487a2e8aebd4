import { CliError, ServerError, type Status } from './errors.js';

/** Query parameters; undefined members are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, in its own media type (an SBOM), instead of `body`. */
  raw?: { contentType: string; text: string };
  accept?: string;
  signal?: AbortSignal;
}

/** Network error codes that mean "nothing listens there". */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The CLI's only way to the server: base URL, credential, and the translation of every failure
 * to a CliError (a Status answer becomes a ServerError; a refused connection a hint to start it).
 */
export class StewardClient {
  constructor(
    readonly server: string,
    private readonly token?: string,
  ) {}

  /** A JSON request; answers the parsed body (undefined for 204). Throws ServerError on 4xx/5xx. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw CliError.of(
        `the server at ${this.server} answered ${method} ${path} with something that is not JSON`,
      );
    }
  }

  /** A request whose successful body the caller streams (export, follow). */
  async stream(path: string, options: RequestOptions = {}): Promise<Response> {
    return this.send('GET', path, options);
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.text;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: options.signal });
    } catch (error) {
      throw this.networkError(error);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  private url(path: string, query: Query = {}): string {
    const url = new URL(`${this.server.replace(/\/+$/, '')}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private networkError(error: unknown): Error {
    if (error instanceof Error && error.name === 'AbortError') return error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      return CliError.of(`cannot reach Steward at ${this.server}: is it running? (start it with npm start)`);
    }
    const detail =
      cause?.code && UNREACHABLE.has(cause.code) ? cause.code : (cause?.message ?? String(error));
    return CliError.of(`cannot reach Steward at ${this.server}: ${detail}`);
  }
}

/** The Status of a failed response, or one made up from its HTTP status when the body is not one. */
async function errorOf(response: Response): Promise<ServerError> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed && parsed.kind === 'Status' && typeof parsed.message === 'string') {
      return new ServerError({ ...parsed, code: parsed.code ?? response.status } as Status);
    }
  } catch {
    // not JSON: fall through
  }
  return new ServerError({
    kind: 'Status',
    code: response.status,
    reason: response.statusText.replace(/\s+/g, '') || `HTTP${response.status}`,
    message: text.trim().slice(0, 300) || `HTTP ${response.status}`,
  });
}

/** True when `error` is the server's answer with that HTTP status. */
export function isServerError(error: unknown, code?: number): error is ServerError {
  return error instanceof ServerError && (code === undefined || error.code === code);
}
