/**
 * The wire shapes the journal pages read: an entry as `GET /api/v1/journal` and the follow stream
 * send it (the hashed fields of src/contract, its changes and its hash), the list, the verify
 * result and the retention settings.
 */
import type { VerifyResult } from '../../../../src/contract/journal-chain';
import type { JournalEntryFields } from '../../../../src/contract/journal-entry';

export type { VerifyResult };

/** One field-level change of an entry: a JSON pointer and the values before and after. */
export interface FieldChange {
  pointer: string;
  old?: unknown;
  new?: unknown;
}

export interface JournalEntry extends JournalEntryFields {
  changes: FieldChange[];
  hash: string;
}

export interface JournalEntryList {
  items: JournalEntry[];
  metadata: { continue?: string };
}

export interface JournalSettings {
  retentionDays: number;
  readJournaling: 'none' | 'metadata';
}
