import type { OperationContext } from '../context.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { KindIndex } from './kind-index.js';
import type { ResourceList, ServedResource } from '../contract/resource.js';
import { toManifest } from './model.js';
import { parseSelector } from './selector.js';

export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 5000;

export type { ResourceList } from '../contract/resource.js';

/** The continue token is opaque to clients; it carries the last name served. */
export function encodeContinue(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after }), 'utf8').toString('base64url');
}

export function decodeContinue(token: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: number;
      after?: unknown;
    };
    if (decoded.v === 1 && typeof decoded.after === 'string') return decoded.after;
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError(
    'invalid continue token: pass back exactly the metadata.continue of the previous page',
  );
}

export function parseLimit(limit: string | undefined): number {
  if (limit === undefined || limit === '') return DEFAULT_PAGE;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE)
    throw new BadRequestError(`limit must be an integer from 1 to ${MAX_PAGE}, got "${limit}"`);
  return value;
}

/** Reads of resources, confined to the context's tenant and checked against `<plural>:read`. */
export class ResourceQueries {
  constructor(
    private readonly store: ResourceStore,
    private readonly kinds: KindIndex,
  ) {}

  async get(context: OperationContext, plural: string, name: string): Promise<ServedResource> {
    const kind = this.kinds.resolve(plural);
    context.authorize(`${kind.plural}:read`);
    const resource = await this.store.get({ tenant: context.tenant, kind: kind.kind, name });
    // Another tenant's resource of the same name is "not found" too: nothing of it leaks.
    if (!resource) throw new NotFoundError(`${kind.kind} "${name}" not found`);
    return toManifest(resource);
  }

  async list(
    context: OperationContext,
    plural: string,
    query: { labelSelector?: string; limit?: string; continue?: string },
  ): Promise<ResourceList> {
    const kind = this.kinds.resolve(plural);
    context.authorize(`${kind.plural}:read`);
    const limit = parseLimit(query.limit);
    const requirements = parseSelector(query.labelSelector ?? '');
    const after = query.continue ? decodeContinue(query.continue) : undefined;
    // One row more than the page tells whether another page follows, without a count query.
    const rows = await this.store.list(context.tenant, kind.kind, { requirements, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const metadata: ResourceList['metadata'] = {};
    if (rows.length > limit) metadata.continue = encodeContinue(page[page.length - 1].name);
    return { apiVersion: 'steward.dev/v1', kind: `${kind.kind}List`, metadata, items: page.map(toManifest) };
  }
}
