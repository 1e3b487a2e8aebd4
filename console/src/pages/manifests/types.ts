import type { FieldChange } from './field-diff';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** `POST /api/v1/apply`'s answer (src/apply/apply-service.ts ApplyResponse), as this page reads it. */
export interface ApplyAnswer {
  dryRun: boolean;
  changeset: string;
  items: Array<{ index: number; kind: string; name: string; result: ApplyOutcome; generation: number }>;
  deletions?: Array<{ kind: string; name: string; [field: string]: unknown }>;
}

/** A dry run: the text it checked, the server's answer, and each configured document's field diff. */
export interface DryRun {
  text: string;
  answer: ApplyAnswer;
  diffs: Map<number, FieldChange[]>;
}
