/**
 * Admission: what a kind adds to the apply path beyond its schema, as Kubernetes' admission does.
 * `check` refuses writes the schema cannot see (a field immutable once published); `beforeWrite`
 * runs inside the apply's transaction before the rows are written (an Artifact is signed there,
 * so no unsigned Artifact can ever be stored). Every write of resources goes through ApplyService,
 * so every write passes its kind's admission.
 */
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import type { FieldProblem } from '../errors.js';
import type { StoredResource } from '../resources/model.js';

/** A write an apply is about to make (created or configured; unchanged ones never reach admission). */
export interface AdmittedWrite {
  /** The document's index in the request. */
  index: number;
  outcome: 'created' | 'configured';
  next: StoredResource;
  previous?: StoredResource;
}

export interface Admission {
  kind: string;
  /**
   * Problems that refuse the write (pointers into the document). Pure but for asking `context`
   * which permissions the caller holds; runs on dry runs too.
   */
  check?(write: AdmittedWrite, context: OperationContext): FieldProblem[];
  /**
   * Inside the apply's transaction, before the resource rows are written; not on dry runs. Must
   * use `trx` for every statement (SQLite has one connection). Throwing rolls the apply back.
   */
  beforeWrite?(trx: Knex.Transaction, context: OperationContext, writes: AdmittedWrite[]): Promise<void>;
  /**
   * Problems that refuse deleting these resources of the kind (another resource depends on one),
   * read inside the delete's transaction with `trx`; a problem refuses the whole delete (409).
   * `deleting` holds every `Kind/name` the same request deletes (a dependent deleted with it does
   * not count). Runs on dry runs too.
   */
  checkDelete?(
    trx: Knex.Transaction,
    context: OperationContext,
    deletions: Array<{ index: number; resource: StoredResource }>,
    deleting: ReadonlySet<string>,
  ): Promise<FieldProblem[]>;
  /**
   * Inside the delete's transaction, for the resources of the kind being deleted (or marked for
   * deletion), after checkDelete and not on dry runs: what goes with them (a TrustPolicy's tokens).
   * Must use `trx`; throwing rolls the delete back.
   */
  beforeDelete?(trx: Knex.Transaction, context: OperationContext, resources: StoredResource[]): Promise<void>;
}
