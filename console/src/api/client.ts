/**
 * The console's only way to the server: the same REST API as every other client, with the
 * session cookie the login set. Writes send the CSRF token from the readable `steward_csrf`
 * cookie in `X-CSRF-Token`, as the API defines for cookie-authenticated writes.
 */

/** A `Status` answer of the API (the one error shape of every route). */
export interface ApiStatus {
  kind?: 'Status';
  code: number;
  reason: string;
  message: string;
  details?: {
    causes?: Array<{ document?: number; pointer?: string; message: string }>;
    [key: string]: unknown;
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiStatus,
  ) {
    super(body.message);
  }
}

/** True for an ApiError of that HTTP status. */
export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)steward_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]) : undefined;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `/api/v1/x?a=1`: undefined, null and '' values are left out. */
export function apiPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const search = params.toString();
  return `/api/v1${path}${search ? `?${search}` : ''}`;
}

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless a string (sent as is, with `contentType`). */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as ApiStatus;
    if (parsed && typeof parsed.message === 'string') return new ApiError(response.status, parsed);
  } catch {
    // not a Status: fall through
  }
  return new ApiError(response.status, {
    code: response.status,
    reason: response.statusText || 'Error',
    message: text.slice(0, 500) || `HTTP ${response.status}`,
  });
}

/** The raw response of an API call (downloads); throws ApiError on a non-2xx answer. */
export async function apiFetch(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const response = await fetch(apiPath(path, options.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: options.signal,
  });
  if (!response.ok) throw await failure(response);
  return response;
}

/** A JSON API call; undefined for 204. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiFetch(method, path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Saves a response as a file (exports, chains, SBOMs): through a Blob URL, no inline script. */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const response = await apiFetch('GET', path, { query });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  saveBlob(await response.blob(), name);
}

/** Saves a Blob as a file through a Blob URL (the CSP allows no inline script nor a data: trick). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
