import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { type GeneralName, GeneralSubtrees, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

/*
 * The two RFC 5280 path rules Node's checkIssued/verify do not apply, for the x5c exchange's
 * chains (x5c.ts builds the path and checks signatures, validity, usage and revocation):
 * - §4.2: a certificate with a critical extension the verifier does not process is refused;
 * - §4.2.1.10: a CA's nameConstraints bound the names of every certificate below it (DNS names,
 *   URIs' hosts, e-mail addresses, the subject DN); a constrained name form this code does not
 *   process (IP addresses, otherName…) refuses the chain rather than pass it unchecked.
 * Certificates are @peculiar/x509's; everything here is pure.
 */

const OIDS = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  email: '1.2.840.113549.1.9.1',
} as const;

/**
 * The extensions whose meaning the exchange enforces (or which bind nothing a verifier must
 * enforce: key identifiers). Certificate policies, policy constraints and inhibitAnyPolicy are
 * not processed, so a certificate marking them critical is refused, as RFC 5280 §4.2 requires.
 */
const PROCESSED: ReadonlySet<string> = new Set([
  OIDS.basicConstraints,
  OIDS.keyUsage,
  OIDS.extendedKeyUsage,
  OIDS.subjectAltName,
  OIDS.nameConstraints,
  OIDS.subjectKeyIdentifier,
  OIDS.authorityKeyIdentifier,
]);

/** The OID of the first critical extension not processed, if any. */
export function unprocessedCriticalExtension(certificate: x509.X509Certificate): string | undefined {
  return certificate.extensions.find((extension) => extension.critical && !PROCESSED.has(extension.type))
    ?.type;
}

/** The names of one certificate, per form, as name constraints compare them. */
export interface CertificateNames {
  dns: string[];
  /** Hosts of URIs (a URI without a host is a name that cannot satisfy a URI constraint). */
  uriHosts: Array<string | undefined>;
  email: string[];
  /** RDN sequences of the subject, outermost first (`C`, then `O`, … then `CN`), each `type=value`. */
  directory: string[][];
  /** Whether the certificate carries a name of a form this code does not check (IP, otherName…). */
  otherForms: string[];
}

export function namesOf(certificate: x509.X509Certificate): CertificateNames {
  const names: CertificateNames = { dns: [], uriHosts: [], email: [], directory: [], otherForms: [] };
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of san?.names.items ?? []) {
    if (name.type === 'dns') names.dns.push(name.value.toLowerCase());
    else if (name.type === 'url') names.uriHosts.push(hostOf(name.value));
    else if (name.type === 'email') names.email.push(name.value.toLowerCase());
    else names.otherForms.push(name.type);
  }
  const subject = certificate.subjectName;
  names.email.push(...subject.getField(OIDS.email).map((value) => value.toLowerCase()));
  const rdns = rdnsOf(subject);
  if (rdns.length > 0) names.directory.push(rdns);
  return names;
}

/** A DN as its RDNs, outermost first, each its sorted `type=value` pairs (values trimmed, lower-cased). */
function rdnsOf(name: x509.Name): string[] {
  return name.toJSON().map((rdn) =>
    Object.entries(rdn)
      .flatMap(([type, values]) => values.map((value) => `${type}=${value.trim().toLowerCase()}`))
      .sort()
      .join('+'),
  );
}

function hostOf(uri: string): string | undefined {
  try {
    const host = new URL(uri).hostname.toLowerCase();
    return host === '' ? undefined : host.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** One constraint of a CA, as this code checks it. */
export type Subtree =
  | { form: 'dns' | 'uri' | 'email'; value: string }
  | { form: 'directory'; rdns: string[] }
  | { form: 'unsupported'; name: string };

export interface Constraints {
  permitted: Subtree[];
  excluded: Subtree[];
}

/** The CA's nameConstraints, or undefined without the extension. @throws on a malformed one. */
export function constraintsOf(certificate: x509.X509Certificate): Constraints | undefined {
  const extension = certificate.extensions.find((candidate) => candidate.type === OIDS.nameConstraints);
  if (!extension) return undefined;
  const parsed = AsnParser.parse(extension.value, NameConstraints);
  const subtrees = (list: GeneralSubtrees | undefined) =>
    (list ?? []).map((subtree) => subtreeOf(subtree.base));
  return { permitted: subtrees(parsed.permittedSubtrees), excluded: subtrees(parsed.excludedSubtrees) };
}

function subtreeOf(base: GeneralName): Subtree {
  if (base.dNSName !== undefined) return { form: 'dns', value: base.dNSName.toLowerCase() };
  if (base.uniformResourceIdentifier !== undefined)
    return { form: 'uri', value: base.uniformResourceIdentifier.toLowerCase() };
  if (base.rfc822Name !== undefined) return { form: 'email', value: base.rfc822Name.toLowerCase() };
  if (base.directoryName !== undefined)
    return { form: 'directory', rdns: rdnsOf(new x509.Name(AsnConvert.serialize(base.directoryName))) };
  const form = Object.keys(base).find(
    (key) => (base as unknown as Record<string, unknown>)[key] !== undefined,
  );
  return { form: 'unsupported', name: form ?? 'unknown' };
}

/** RFC 5280 §4.2.1.10 DNS rule: the name is the constraint or ends with "." + it (a leading dot: subdomains only). */
function dnsWithin(name: string, constraint: string): boolean {
  if (constraint === '') return true;
  if (constraint.startsWith('.')) return name.endsWith(constraint);
  return name === constraint || name.endsWith(`.${constraint}`);
}

/** An e-mail constraint: a whole address, a host (`example.com`), or a domain (`.example.com`). */
function emailWithin(address: string, constraint: string): boolean {
  if (constraint.includes('@')) return address === constraint;
  const host = address.slice(address.lastIndexOf('@') + 1);
  return constraint.startsWith('.') ? host.endsWith(constraint) : host === constraint;
}

/** A URI constraint names a host (`example.com`) or a domain (`.example.com`). */
function uriWithin(host: string | undefined, constraint: string): boolean {
  if (host === undefined) return false;
  return constraint.startsWith('.') ? host.endsWith(constraint) : host === constraint;
}

function directoryWithin(rdns: string[], constraint: string[]): boolean {
  return constraint.length <= rdns.length && constraint.every((rdn, index) => rdns[index] === rdn);
}

/** The names of one form, and whether one is within a subtree of that form. */
function namesFor(names: CertificateNames, subtree: Subtree): Array<{ text: string; within: boolean }> {
  switch (subtree.form) {
    case 'dns':
      return names.dns.map((name) => ({ text: name, within: dnsWithin(name, subtree.value) }));
    case 'uri':
      return names.uriHosts.map((host) => ({
        text: host ?? '(no host)',
        within: uriWithin(host, subtree.value),
      }));
    case 'email':
      return names.email.map((address) => ({ text: address, within: emailWithin(address, subtree.value) }));
    case 'directory':
      return names.directory.map((rdns) => ({
        text: rdns.join(','),
        within: directoryWithin(rdns, subtree.rdns),
      }));
    default:
      return [];
  }
}

/**
 * Why `names` break `constraints`, or undefined: an excluded subtree holds one of them; or a form
 * with permitted subtrees has a name in none of them; or a constrained form is not processed here.
 */
export function constraintViolation(names: CertificateNames, constraints: Constraints): string | undefined {
  for (const subtree of [...constraints.permitted, ...constraints.excluded])
    if (subtree.form === 'unsupported')
      return `constrains ${subtree.name} names, which this server does not check (refused rather than unchecked)`;
  for (const subtree of constraints.excluded)
    for (const name of namesFor(names, subtree))
      if (name.within)
        return `excludes ${describe(subtree)}, and the certificate names ${JSON.stringify(name.text)}`;
  for (const form of ['dns', 'uri', 'email', 'directory'] as const) {
    const permitted = constraints.permitted.filter((subtree) => subtree.form === form);
    if (permitted.length === 0) continue;
    const all = namesFor(names, permitted[0]);
    for (const [index, name] of all.entries())
      if (!permitted.some((subtree) => namesFor(names, subtree)[index]?.within))
        return `permits only ${permitted.map(describe).join(', ')}, and the certificate names ${JSON.stringify(name.text)}`;
  }
  return undefined;
}

function describe(subtree: Subtree): string {
  if (subtree.form === 'directory') return `directory ${JSON.stringify(subtree.rdns.join(','))}`;
  if (subtree.form === 'unsupported') return subtree.name;
  return `${subtree.form} ${JSON.stringify(subtree.value)}`;
}

/**
 * The first problem of a path (leaf first, then intermediates) below its anchor: a certificate of
 * the path with a critical extension not processed, or names outside the nameConstraints of a CA
 * above it (an intermediate's or the anchor's). `at` is the index in the path of the certificate
 * at fault, `by` the index of the constraining CA (path.length for the anchor). Malformed name
 * constraints refuse the chain too.
 */
export function pathProblem(
  path: readonly x509.X509Certificate[],
  anchor: x509.X509Certificate,
): { at: number; by?: number; message: string } | undefined {
  for (const [at, certificate] of path.entries()) {
    const oid = unprocessedCriticalExtension(certificate);
    if (oid) return { at, message: `has a critical extension this server does not process (${oid})` };
  }
  const cas = [...path.slice(1), anchor];
  for (const [offset, ca] of cas.entries()) {
    const by = offset + 1;
    let constraints: Constraints | undefined;
    try {
      constraints = constraintsOf(ca);
    } catch {
      return { at: by, message: 'has a nameConstraints extension that does not parse' };
    }
    if (!constraints) continue;
    for (let at = 0; at < by; at += 1) {
      const violation = constraintViolation(namesOf(path[at]), constraints);
      if (violation) return { at, by, message: violation };
    }
  }
  return undefined;
}
