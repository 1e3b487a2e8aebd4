/**
 * The body of `POST /api/v1/certificateauthorities/{name}/certificates`, checked into a
 * LeafIssueRequest with every problem reported at once:
 *
 *     {csr | publicKey, subject: {commonName, ...}, subjectAltNames?: {dnsNames, uris, emails, ipAddresses},
 *      profile?: client|server|device (default client), validity?: "720h", owner?: {kind, name}}
 */
import { type FieldProblem, InvalidError } from '../errors.js';
import { requireDuration } from '../resources/duration.js';
import { type SubjectAltNames, subjectAltNameProblems } from './extensions.js';
import type { LeafIssueRequest } from './issuance-service.js';
import { CERTIFICATE_PROFILES, type CertificateProfile } from './issuer.js';
import { type SubjectSpec, subjectProblems } from './subject.js';

const FIELDS = ['csr', 'publicKey', 'subject', 'subjectAltNames', 'profile', 'validity', 'owner'];
const SAN_FIELDS = ['dnsNames', 'uris', 'emails', 'ipAddresses'];
/** The largest PEM accepted for a key or CSR (an RSA-8192 CSR is about 2.5 KB). */
const MAX_PEM_LENGTH = 16_384;

/** Reads an issue request. Pure. @throws InvalidError listing every problem. */
export function parseLeafRequest(body: unknown): LeafIssueRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid([{ pointer: '', message: 'the body must be a JSON object' }]);
  const input = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const field of Object.keys(input))
    if (!FIELDS.includes(field)) problems.push({ pointer: `/${field}`, message: `unknown field "${field}"` });
  const pem = (field: 'csr' | 'publicKey') => {
    const value = input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PEM_LENGTH) {
      problems.push({
        pointer: `/${field}`,
        message: `${field} must be PEM text of at most ${MAX_PEM_LENGTH} characters`,
      });
      return undefined;
    }
    return value;
  };
  const csr = pem('csr');
  const publicKey = pem('publicKey');
  if ((input.csr === undefined) === (input.publicKey === undefined))
    problems.push({
      pointer: '',
      message: 'give exactly one of csr (PEM certificate request) and publicKey (PEM public key)',
    });

  const subject = input.subject as SubjectSpec;
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
    problems.push({ pointer: '/subject', message: 'subject must be an object with at least commonName' });
  } else {
    problems.push(...subjectProblems(subject));
    for (const field of Object.keys(subject))
      if (
        !['commonName', 'organization', 'organizationalUnit', 'country', 'province', 'locality'].includes(
          field,
        )
      )
        problems.push({ pointer: `/subject/${field}`, message: `unknown subject field "${field}"` });
  }

  const names = input.subjectAltNames as SubjectAltNames | undefined;
  if (names !== undefined) {
    if (typeof names !== 'object' || names === null || Array.isArray(names)) {
      problems.push({ pointer: '/subjectAltNames', message: 'subjectAltNames must be an object' });
    } else {
      for (const [field, list] of Object.entries(names)) {
        if (!SAN_FIELDS.includes(field))
          problems.push({
            pointer: `/subjectAltNames/${field}`,
            message: `unknown field "${field}" (use ${SAN_FIELDS.join(', ')})`,
          });
        else if (!Array.isArray(list))
          problems.push({
            pointer: `/subjectAltNames/${field}`,
            message: `${field} must be an array of strings`,
          });
      }
      if (problems.every((problem) => !problem.pointer.startsWith('/subjectAltNames')))
        problems.push(...subjectAltNameProblems(names));
    }
  }

  const profile = (input.profile ?? 'client') as CertificateProfile;
  if (!(CERTIFICATE_PROFILES as readonly unknown[]).includes(profile))
    problems.push({
      pointer: '/profile',
      message: `profile must be one of ${CERTIFICATE_PROFILES.join(', ')}`,
    });

  let validityMs: number | undefined;
  if (input.validity !== undefined) {
    try {
      validityMs = requireDuration(input.validity as string);
      if (validityMs < 1000) problems.push({ pointer: '/validity', message: 'validity must be at least 1s' });
    } catch (error) {
      problems.push({ pointer: '/validity', message: (error as Error).message });
    }
  }

  const owner = input.owner as { kind?: unknown; name?: unknown } | undefined;
  if (
    owner !== undefined &&
    (typeof owner !== 'object' ||
      owner === null ||
      typeof owner.kind !== 'string' ||
      typeof owner.name !== 'string' ||
      !/^[A-Z][A-Za-z0-9]{0,62}$/.test(owner.kind) ||
      owner.name.length === 0 ||
      owner.name.length > 253)
  )
    problems.push({
      pointer: '/owner',
      message: 'owner must be {kind, name} of a resource, e.g. {"kind": "Device", "name": "laptop-042"}',
    });

  if (problems.length > 0) throw invalid(problems);
  return {
    csr,
    publicKey,
    subject,
    subjectAltNames: names,
    profile,
    validityMs,
    owner: owner ? { kind: owner.kind as string, name: owner.name as string } : undefined,
  };
}

function invalid(problems: FieldProblem[]): InvalidError {
  return new InvalidError(
    `invalid certificate request: ${problems[0].pointer || '/'}: ${problems[0].message}`,
    { problems },
  );
}
