import type { JournalEntry } from '../../src/journal/chain.js';
import type { StewardServer } from '../../src/server.js';
import { call, device } from '../support/server.js';

export interface EntryList {
  kind: string;
  items: JournalEntry[];
  metadata: { continue?: string };
}

export interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: Array<{ pointer: string; message: string }> };
}

export const apply = (server: StewardServer, body: unknown, query = '') =>
  call<{ changeset: string; items: Array<{ name: string; result: string }> } & StatusBody>(
    server,
    'POST',
    `/api/v1/apply${query}`,
    { body },
  );

export const journal = (server: StewardServer, query = '') =>
  call<EntryList & StatusBody>(server, 'GET', `/api/v1/journal${query}`);

/** Every entry of the tenant, oldest first (pages through the whole journal). */
export async function allEntries(server: StewardServer): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  let token: string | undefined;
  do {
    const page = await journal(server, `?limit=1000${token ? `&continue=${token}` : ''}`);
    entries.push(...page.body.items);
    token = page.body.metadata.continue;
  } while (token);
  return entries.reverse();
}

/**
 * Entries of operations made through the API. Reconcilers' status entries are left out: they are
 * appended after the apply that caused them, whenever the controller gets to it.
 */
export async function entryCount(server: StewardServer): Promise<number> {
  const row = await server.services.db
    .knex('journal_entries')
    .whereNot('operation', 'status')
    .count({ count: '*' })
    .first();
  return Number(row?.count);
}

export { call, device };
