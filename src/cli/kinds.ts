import { type ApiResourceList, kindAliases } from '../contract/discovery.js';
import type { StewardClient } from './client.js';
import { CliError } from './errors.js';
import type { ApiResource } from './resource.js';

/** The kinds a server serves, from discovery, resolvable by any of their names. */
export class KindCatalog {
  private readonly byName = new Map<string, ApiResource>();

  constructor(readonly resources: readonly ApiResource[]) {
    for (const resource of resources) {
      for (const name of kindAliases(resource)) this.byName.set(name, resource);
    }
  }

  /** Fetches discovery once; the catalog lives as long as the process. */
  static async fetch(client: StewardClient): Promise<KindCatalog> {
    const list = await client.request<Partial<ApiResourceList>>('GET', '/api/v1');
    return new KindCatalog(list?.resources ?? []);
  }

  /** Singular, plural, short name or Kind, case-insensitive. Unknown names fail like kubectl. */
  resolve(name: string): ApiResource {
    const found = this.find(name);
    if (!found) {
      const known = this.resources.map((resource) => resource.plural).join(', ');
      throw CliError.of(`the server doesn't have a resource type "${name}" (known: ${known})`);
    }
    return found;
  }

  find(name: string): ApiResource | undefined {
    return this.byName.get(name.toLowerCase());
  }
}
