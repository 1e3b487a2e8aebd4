import { api } from '../../api/client';
import { seg } from './queries';
import type { IssuedCertificate, Page } from './types';

/** Pages read at most while looking for one serial: a bound on what one detail view costs. */
const MAX_PAGES = 20;
const PAGE_SIZE = 1000;

/**
 * One certificate a CA issued, found by serial in its issued list. The API has no lookup by
 * serial (reported as a gap), so this walks the pages; `undefined` when not found within
 * MAX_PAGES × PAGE_SIZE certificates.
 */
export async function findIssued(ca: string, serial: string): Promise<IssuedCertificate | undefined> {
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = await api<Page<IssuedCertificate>>(
      'GET',
      `/certificateauthorities/${seg(ca)}/certificates`,
      {
        query: { limit: PAGE_SIZE, continue: token },
      },
    );
    const found = list.items.find((item) => item.serial.toLowerCase() === serial.toLowerCase());
    if (found) return found;
    token = list.metadata.continue;
    if (!token) return undefined;
  }
  return undefined;
}
