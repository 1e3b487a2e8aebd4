import { parseAllDocuments } from 'yaml';

/** One manifest of a YAML stream, by the index the server gives it. */
export interface SubmittedDocument {
  index: number;
  value: Record<string, unknown>;
}

/**
 * The documents of a YAML stream as the server numbers them (src/apply/decode.ts): empty
 * documents skipped, every other counted, so a result's or an error's `index` finds its
 * manifest here. A document that does not parse is left out: the server's error names it. Pure.
 */
export function submittedDocuments(text: string): SubmittedDocument[] {
  const documents: SubmittedDocument[] = [];
  let index = 0;
  for (const document of parseAllDocuments(text)) {
    if (document.contents === null && document.errors.length === 0) continue;
    let value: unknown;
    try {
      value = document.errors.length === 0 ? document.toJS({ maxAliasCount: 100 }) : undefined;
    } catch {
      value = undefined;
    }
    if (document.errors.length === 0 && (value === null || value === undefined)) continue;
    if (value && typeof value === 'object' && !Array.isArray(value))
      documents.push({ index, value: value as Record<string, unknown> });
    index++;
  }
  return documents;
}
