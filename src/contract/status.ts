/** The one error shape of every route (docs/api-contract.md, Errors). Wire types only; no imports. */

/** One problem with one field of one document; every problem of a request is reported at once. */
export interface FieldProblem {
  /** Index of the document in the request (0-based), when the request carried several. */
  document?: number;
  /** JSON pointer to the offending field ('' for the whole document). */
  pointer: string;
  message: string;
  /** Where the document came from and the 1-based position, when the input was YAML. */
  source?: string;
  line?: number;
  column?: number;
}

/** `{apiVersion, kind: "Status", code, reason, message, details}`, as Kubernetes answers errors. */
export interface Status {
  apiVersion?: string;
  kind: 'Status';
  /** The HTTP status code. */
  code: number;
  /** PascalCase, machine-readable (`Invalid`, `NotFound`, `Forbidden`…). */
  reason: string;
  message: string;
  details?: { causes?: FieldProblem[]; [key: string]: unknown };
}
