/**
 * Name constraints (RFC 5280 §4.2.1.10): which names the certificates below a CA may carry. Written
 * into the CA certificate as a critical extension (built with @peculiar/asn1-x509), read back from
 * the certificates of a CA and of every CA above it, and enforced at issuance with the same
 * matching rules OpenSSL applies (crypto/x509/v3_ncons.c), so that Steward never signs a leaf that
 * relying parties would reject.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from '@peculiar/asn1-x509';
import type { FieldProblem } from '../errors.js';
import { parseCidr } from '../schema/cidr.js';
import { extension, ipAddressBytes, type SubjectAltNames } from './extensions.js';
import { oid } from './der.js';

/** One side of the constraints, as a CA spec gives it. */
export interface NameSubtrees {
  /** `example.com`: that name and its subdomains; `.example.com`: subdomains only. */
  dnsDomains?: string[];
  /** CIDR ranges, IPv4 or IPv6: `10.0.0.0/8`, `fd00::/8`. */
  ipRanges?: string[];
  /** `example.com`: mailboxes at that host; `.example.com`: at any subdomain; `ops@example.com`: that mailbox. */
  emailDomains?: string[];
  /** The host of URIs: `example.com` exactly; `.example.com`: subdomains. A URI without a host never matches. */
  uriDomains?: string[];
}

export interface NameConstraintsSpec {
  permitted?: NameSubtrees;
  excluded?: NameSubtrees;
}

/** The constraints of one CA certificate, with the CA's name for messages. */
export interface ConstraintsOf {
  ca: string;
  constraints: NameConstraintsSpec;
}

type NameType = keyof NameSubtrees;
const KINDS: readonly NameType[] = ['dnsDomains', 'ipRanges', 'emailDomains', 'uriDomains'];

/** Whether a spec constrains anything. Pure. */
export function hasConstraints(spec: NameConstraintsSpec | undefined): spec is NameConstraintsSpec {
  return (
    !!spec &&
    [spec.permitted, spec.excluded].some((side) => KINDS.some((kind) => (side?.[kind]?.length ?? 0) > 0))
  );
}

/**
 * Whether two specs constrain the same names (order and absent-versus-empty do not matter). Pure.
 * A certificate made for one need not be re-issued for the other.
 */
export function sameNameConstraints(
  left: NameConstraintsSpec | undefined,
  right: NameConstraintsSpec | undefined,
): boolean {
  const canonical = (spec: NameConstraintsSpec | undefined) =>
    JSON.stringify(
      (['permitted', 'excluded'] as const).map((side) =>
        KINDS.map((kind) => [...(spec?.[side]?.[kind] ?? [])].map((value) => value.toLowerCase()).sort()),
      ),
    );
  return canonical(left) === canonical(right);
}

/** The critical NameConstraints extension (DER) for a CA certificate. Pure. */
export function nameConstraintsExtension(spec: NameConstraintsSpec): Buffer {
  const subtrees = (side: NameSubtrees | undefined) => {
    const names = [
      ...(side?.dnsDomains ?? []).map((value) => new GeneralName({ dNSName: value })),
      ...(side?.ipRanges ?? []).map((value) => new GeneralName({ iPAddress: value })),
      ...(side?.emailDomains ?? []).map((value) => new GeneralName({ rfc822Name: value })),
      ...(side?.uriDomains ?? []).map((value) => new GeneralName({ uniformResourceIdentifier: value })),
    ];
    return names.length > 0
      ? new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base })))
      : undefined;
  };
  const value = new NameConstraints({
    permittedSubtrees: subtrees(spec.permitted),
    excludedSubtrees: subtrees(spec.excluded),
  });
  // RFC 5280: conforming CAs MUST mark this extension critical.
  return extension(oid(id_ce_nameConstraints), true, Buffer.from(AsnConvert.serialize(value)));
}

/** The name constraints a certificate (DER) carries, or undefined when it has none. Pure. */
export function nameConstraintsOf(certificate: Uint8Array): NameConstraintsSpec | undefined {
  const parsed = AsnConvert.parse(certificate, Certificate);
  const found = parsed.tbsCertificate.extensions?.find(
    (extension) => extension.extnID === id_ce_nameConstraints,
  );
  return found ? readNameConstraints(found.extnValue.buffer) : undefined;
}

/** Reads the NameConstraints of a certificate's extension value (DER), as a spec. Pure. */
export function readNameConstraints(value: ArrayBuffer | Uint8Array): NameConstraintsSpec {
  const parsed = AsnConvert.parse(value, NameConstraints);
  const side = (subtrees: GeneralSubtrees | undefined): NameSubtrees | undefined => {
    if (!subtrees) return undefined;
    const out: NameSubtrees = {};
    const add = (kind: NameType, text: string) => {
      out[kind] = [...(out[kind] ?? []), text];
    };
    for (const { base } of subtrees) {
      if (base.dNSName !== undefined) add('dnsDomains', base.dNSName);
      else if (base.rfc822Name !== undefined) add('emailDomains', base.rfc822Name);
      else if (base.uniformResourceIdentifier !== undefined)
        add('uriDomains', base.uniformResourceIdentifier);
      else if (base.iPAddress !== undefined) add('ipRanges', base.iPAddress);
    }
    return out;
  };
  return { permitted: side(parsed.permittedSubtrees), excluded: side(parsed.excludedSubtrees) };
}

/**
 * The first constraint a leaf's names break, of the CA or of any CA above it; undefined when all
 * hold. A name of a type some CA constrains must be permitted by each such CA that permits that
 * type, and excluded by none. A hostname-like common name counts as a DNS name when the leaf has
 * no DNS name, as OpenSSL checks it then. Pure.
 */
export function nameConstraintViolation(
  chain: readonly ConstraintsOf[],
  names: SubjectAltNames | undefined,
  commonName: string,
): FieldProblem | undefined {
  const candidates: Array<{ kind: NameType; value: string; pointer: string }> = [];
  const push = (kind: NameType, list: readonly string[] | undefined, field: string) =>
    list?.forEach((value, index) => {
      candidates.push({ kind, value, pointer: `/subjectAltNames/${field}/${index}` });
    });
  push('dnsDomains', names?.dnsNames, 'dnsNames');
  push('ipRanges', names?.ipAddresses, 'ipAddresses');
  push('emailDomains', names?.emails, 'emails');
  push('uriDomains', names?.uris, 'uris');
  if ((names?.dnsNames?.length ?? 0) === 0 && looksLikeHostname(commonName))
    candidates.push({ kind: 'dnsDomains', value: commonName, pointer: '/subject/commonName' });
  for (const { ca, constraints } of chain) {
    for (const { kind, value, pointer } of candidates) {
      const excluded = constraints.excluded?.[kind]?.find((base) => matches(kind, value, base));
      if (excluded !== undefined)
        return {
          pointer,
          message: `${JSON.stringify(value)} is excluded by CertificateAuthority "${ca}" (nameConstraints excluded ${kind} ${JSON.stringify(excluded)})`,
        };
      const permitted = constraints.permitted?.[kind];
      if (permitted && permitted.length > 0 && !permitted.some((base) => matches(kind, value, base))) {
        const why =
          kind === 'uriDomains' && uriHost(value) === undefined
            ? ' (a URI without a //host cannot satisfy URI constraints)'
            : '';
        return {
          pointer,
          message: `${JSON.stringify(value)} is outside the permitted ${kind} of CertificateAuthority "${ca}" (${permitted.join(', ')})${why}`,
        };
      }
    }
  }
  return undefined;
}

function matches(kind: NameType, value: string, base: string): boolean {
  switch (kind) {
    case 'dnsDomains':
      return dnsMatches(value, base);
    case 'emailDomains':
      return emailMatches(value, base);
    case 'uriDomains': {
      const host = uriHost(value);
      return host !== undefined && hostMatches(host, base);
    }
    case 'ipRanges':
      return ipMatches(value, base);
  }
}

/** OpenSSL nc_dns: an empty base matches all; else the name ends with the base at a label boundary. */
function dnsMatches(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (b === '') return true;
  if (n.length < b.length || !n.endsWith(b)) return false;
  return n.length === b.length || b.startsWith('.') || n[n.length - b.length - 1] === '.';
}

/** OpenSSL nc_email: a mailbox base matches exactly; `.domain` any subdomain host; `domain` that host. */
function emailMatches(address: string, base: string): boolean {
  const at = address.lastIndexOf('@');
  const host = address.slice(at + 1).toLowerCase();
  if (base.includes('@')) {
    const baseAt = base.lastIndexOf('@');
    return address.slice(0, at) === base.slice(0, baseAt) && host === base.slice(baseAt + 1).toLowerCase();
  }
  return hostMatches(host, base);
}

/** OpenSSL's host rule for e-mail and URI constraints: `.domain` a proper suffix, else equal. */
function hostMatches(host: string, base: string): boolean {
  const h = host.toLowerCase();
  const b = base.toLowerCase();
  return b.startsWith('.') ? h.length > b.length && h.endsWith(b) : h === b;
}

/** The host of `scheme://[userinfo@]host[:port][/...]`; undefined without `//` (a URN). */
function uriHost(uri: string): string | undefined {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(uri);
  return match && match[1] !== '' ? match[1] : undefined;
}

function ipMatches(ip: string, range: string): boolean {
  const address = ipAddressBytes(ip);
  const parsed = parseCidr(range);
  if (!parsed || parsed.address.length !== address.length) return false;
  return address.every(
    (byte, index) => (byte & parsed.mask[index]) === (parsed.address[index] & parsed.mask[index]),
  );
}

/** OpenSSL cn2dnsid: letters, digits, `_`, inner `-` and single inner dots, with at least one dot. */
function looksLikeHostname(commonName: string): boolean {
  return (
    /^[A-Za-z0-9_]+([-.]?[A-Za-z0-9_]+)*$/.test(commonName) &&
    commonName.includes('.') &&
    !/-\./.test(commonName)
  );
}
