import { isServerError, type StewardClient } from './client.js';
import type { ApiResource, Resource, ResourceList } from './resource.js';

/** The largest page the server serves; fewer round trips for big fleets. */
const PAGE_SIZE = 5000;

/** One resource; undefined when the server answers 404. */
export async function getResource(
  client: StewardClient,
  kind: ApiResource,
  name: string,
): Promise<Resource | undefined> {
  try {
    return await client.request<Resource>('GET', `/api/v1/${kind.plural}/${encodeURIComponent(name)}`);
  } catch (error) {
    if (isServerError(error, 404)) return undefined;
    throw error;
  }
}

/** Every resource of a kind matching the selector, following `metadata.continue` to the end. */
export async function listResources(
  client: StewardClient,
  kind: ApiResource,
  labelSelector?: string,
): Promise<ResourceList> {
  const items: ResourceList['items'] = [];
  let listKind = `${kind.kind}List`;
  let token: string | undefined;
  do {
    const page = await client.request<ResourceList>('GET', `/api/v1/${kind.plural}`, {
      query: { labelSelector: labelSelector || undefined, limit: PAGE_SIZE, continue: token },
    });
    items.push(...page.items);
    listKind = page.kind ?? listKind;
    token = page.metadata?.continue || undefined;
  } while (token);
  return { apiVersion: 'steward.dev/v1', kind: listKind, items, metadata: {} };
}
