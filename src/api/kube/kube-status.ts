import type { FieldProblem } from '../../errors.js';
import type { Status } from '../status.js';

/** The Kubernetes paths Steward answers (the facade): errors there are Kubernetes Status objects. */
export function isKubePath(url: string): boolean {
  // `/api` alone is Kubernetes' core group list (empty here); `/api/v1/…` is Steward's native API.
  const path = url.split('?')[0];
  return (
    path === '/version' ||
    path === '/api' ||
    path === '/apis' ||
    path.startsWith('/apis/') ||
    path === '/openapi/v2' ||
    path === '/openapi/v3' ||
    path.startsWith('/openapi/v3/')
  );
}

/** Kubernetes' `metav1.Status` (`kubectl` prints its message after `Error from server (Reason):`). */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason: string; message: string; field?: string }>;
    retryAfterSeconds?: number;
  };
  code: number;
}

/** `/spec/identity/0` → `spec.identity[0]`, Kubernetes' field path notation. Pure. */
export function fieldPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, segment) =>
        /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
      '',
    );
}

function causeReason(problem: FieldProblem): string {
  if (problem.message.startsWith('unknown field')) return 'FieldValueUnknown';
  if (problem.message.startsWith('missing required field')) return 'FieldValueRequired';
  return 'FieldValueInvalid';
}

/** The group's resource and name a facade URL names (`/apis/steward.dev/v1/devices/x`). Pure. */
function target(url: string): { kind?: string; name?: string } {
  const match = /^\/apis\/steward\.dev\/v1\/([^/?]+)(?:\/([^/?]+))?/.exec(url);
  if (!match) return {};
  let name: string | undefined = match[2];
  try {
    name = name === undefined ? undefined : decodeURIComponent(name);
  } catch {
    // A malformed escape (the router refused it): the name is shown as sent.
  }
  return { kind: match[1], name };
}

/**
 * A native Status in Kubernetes' shape, same code, reason and message (permission names and all),
 * the field problems as `details.causes` with Kubernetes field paths. A 422 spells its problems out
 * in the message, as Kubernetes does: kubectl prints the message alone. Pure.
 */
export function toKubeStatus(status: Status, url: string): KubeStatus {
  const fromUrl = target(url);
  const kind = fromUrl.kind;
  const name = fromUrl.name ?? (typeof status.details?.name === 'string' ? status.details.name : undefined);
  const kindName = typeof status.details?.kind === 'string' ? status.details.kind : kind;
  const problems = (status.details?.causes ?? []) as FieldProblem[];
  const causes = problems.map((problem) => ({
    reason: causeReason(problem),
    message: problem.message,
    ...(problem.pointer ? { field: fieldPath(problem.pointer) } : {}),
  }));
  let message = status.message;
  if (status.code === 422 && causes.length > 0)
    message = `${kindName ?? 'object'}.steward.dev${name ? ` "${name}"` : ''} is invalid: ${causes
      .map((cause) => (cause.field ? `${cause.field}: ${cause.message}` : cause.message))
      .join(', ')}`;
  // A conflict's message says what conflicted (kubectl prints the message alone).
  if (status.code === 409 && causes.length > 0 && !causes.every((cause) => message.includes(cause.message)))
    message = `${message}: ${causes.map((cause) => cause.message).join('; ')}`;
  const details: KubeStatus['details'] = {};
  if (name) details.name = name;
  if (kind) {
    details.group = 'steward.dev';
    // Kubernetes names the resource (`devices`) in most details and the kind (`Device`) in a 422.
    details.kind = status.code === 422 && kindName ? kindName : kind;
  }
  if (causes.length > 0) details.causes = causes;
  const retry = status.details?.retryAfterSeconds;
  if (typeof retry === 'number') details.retryAfterSeconds = retry;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: status.reason,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    code: status.code,
  };
}

/** The error body for a request's URL: Kubernetes' Status on the facade, Steward's elsewhere. Pure. */
export function statusFor(url: string, status: Status): Status | KubeStatus {
  return isKubePath(url) ? toKubeStatus(status, url) : status;
}
