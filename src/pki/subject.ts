/** Distinguished names: the `subject` of a CertificateAuthority spec or of a leaf request. */
import { type FieldProblem, InvalidError } from '../errors.js';
import { oid, printableString, sequence, set, utf8String } from './der.js';

export interface SubjectSpec {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** ISO 3166 two-letter code. */
  country?: string;
  province?: string;
  locality?: string;
}

type Attribute = keyof SubjectSpec;

// Encoding order, most general first, as OpenSSL and most CAs write names.
const ATTRIBUTES: readonly { field: Attribute; oid: string; short: string; maxLength: number }[] = [
  { field: 'country', oid: '2.5.4.6', short: 'C', maxLength: 2 },
  { field: 'province', oid: '2.5.4.8', short: 'ST', maxLength: 128 },
  { field: 'locality', oid: '2.5.4.7', short: 'L', maxLength: 128 },
  { field: 'organization', oid: '2.5.4.10', short: 'O', maxLength: 64 },
  { field: 'organizationalUnit', oid: '2.5.4.11', short: 'OU', maxLength: 64 },
  { field: 'commonName', oid: '2.5.4.3', short: 'CN', maxLength: 64 },
];
const ATTRIBUTE_TYPES = new Map(ATTRIBUTES.map((attribute) => [attribute.field, oid(attribute.oid)]));

/**
 * Every problem with a subject (upper bounds from RFC 5280 Appendix A). Pure.
 * @param pointer JSON pointer of the subject in its document, prefixed to each problem.
 */
export function subjectProblems(subject: SubjectSpec, pointer = '/subject'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof subject !== 'object' || subject === null)
    return [{ pointer, message: 'subject must be an object' }];
  for (const { field, maxLength } of ATTRIBUTES) {
    const value = subject[field];
    if (value === undefined && field !== 'commonName') continue;
    if (typeof value !== 'string' || value.length === 0) {
      problems.push({ pointer: `${pointer}/${field}`, message: `${field} must be a non-empty string` });
    } else if (textProblem(value)) {
      problems.push({ pointer: `${pointer}/${field}`, message: `${field} ${textProblem(value)}` });
    } else if ([...value].length > maxLength) {
      problems.push({
        pointer: `${pointer}/${field}`,
        message: `${field} is longer than ${maxLength} characters`,
      });
    }
  }
  if (typeof subject.country === 'string' && !/^[A-Z]{2}$/.test(subject.country)) {
    problems.push({
      pointer: `${pointer}/country`,
      message: 'country must be a two-letter upper-case ISO 3166 code',
    });
  }
  return problems;
}

/** C0 and C1 controls and DEL: they forge table rows and terminal escapes wherever a name is shown. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a text cannot go into a certificate, or undefined: a lone UTF-16 surrogate (UTF-8 would
 * carry U+FFFD while the record kept the surrogate) or a control character. Pure.
 */
export function textProblem(value: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'is not well-formed Unicode (a lone UTF-16 surrogate)';
  const control = CONTROL.exec(value);
  if (control)
    return `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return undefined;
}

/**
 * The DER Name of a subject: one attribute per RDN; UTF8String except countryName, which X.520
 * requires to be a PrintableString. Pure.
 * @throws InvalidError listing every problem of the subject.
 */
export function encodeSubject(subject: SubjectSpec): Buffer {
  const problems = subjectProblems(subject);
  if (problems.length > 0) throw new InvalidError(`invalid subject: ${problems[0].message}`, { problems });
  const rdns: Buffer[] = [];
  for (const { field } of ATTRIBUTES) {
    const value = subject[field];
    if (value === undefined) continue;
    const encoded = field === 'country' ? printableString(value) : utf8String(value);
    rdns.push(set(sequence(ATTRIBUTE_TYPES.get(field)!, encoded)));
  }
  return sequence(...rdns);
}

/**
 * RFC 4514 text of a subject, most specific first (`CN=dev-1,O=Acme,C=US`), which is what
 * `openssl x509 -subject -nameopt RFC2253` prints. Pure.
 */
export function formatSubject(subject: SubjectSpec): string {
  const parts: string[] = [];
  for (const { field, short } of ATTRIBUTES) {
    const value = subject[field];
    if (value !== undefined) parts.unshift(`${short}=${escapeRfc4514(value)}`);
  }
  return parts.join(',');
}

function escapeRfc4514(value: string): string {
  return value
    .replace(/[\\"+,;<>]/g, (character) => `\\${character}`)
    .replace(/^[ #]/, (character) => `\\${character}`)
    .replace(/ $/, '\\ ');
}

/** True when two subjects name the same entity (absent and undefined attributes are equal). Pure. */
export function sameSubject(left: SubjectSpec, right: SubjectSpec): boolean {
  return ATTRIBUTES.every(({ field }) => (left[field] ?? undefined) === (right[field] ?? undefined));
}
