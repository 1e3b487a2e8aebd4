/**
 * Verification of x5c client-certificate tokens (as `step ca token` and `step api token create`
 * mint them): a short JWT signed with a certificate's private key, the certificate and its
 * intermediates in the protected header's `x5c`. Possession of the key is proven by the
 * signature; the certificate's chain to a trust anchor says who holds it.
 */
import 'reflect-metadata';
import { createHash, type KeyObject, X509Certificate as NodeCertificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { compactVerify, decodeProtectedHeader, errors } from 'jose';
import { certificatesFromPem, parseCertificate } from '../attestation/certificate-chain.js';
import { ALLOWED_ALGORITHMS, isAllowedAlgorithm } from './algorithms.js';
import { audienceProblem, lifetimeProblem, parsePayload, replayProblem, show } from './jwt-claims.js';
import type { ReplayGuard } from './replay-guard.js';
import { DEFAULT_LEEWAY_SECONDS, MAX_TOKEN_LENGTH } from './verify-token.js';
import { pathProblem } from './x5c-constraints.js';
import { X5C_REASONS, type X5cCheck, type X5cReason } from './x5c-reasons.js';

export { X5C_REASONS, type X5cCheck, type X5cReason } from './x5c-reasons.js';

export interface X5cExpectations {
  /** The one audience the token must carry, the tenant's `<tenant>.<host>`. */
  audience: string;
  /** Trust anchors: PEM CA certificates (already checked to be CA certs by the caller). */
  anchors: readonly string[];
  replayGuard: ReplayGuard;
  /**
   * Whether a certificate (leaf or intermediate) is revoked, given its serial as lower-case hex
   * with leading zero bytes dropped (as the PKI's `serialHex`, `openssl x509 -serial` lower-cased)
   * and the PEM of the certificate that issued it. Absent = no revocation check. A rejection or an
   * answer that is not a boolean refuses the token (RevocationCheckUnavailable).
   */
  isRevoked?: (serialHex: string, issuerPem: string) => Promise<boolean>;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds (default 30). Certificates get none. */
  leewaySeconds?: number;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
}

/** What a verified token's leaf certificate says about its holder. */
export interface X5cLeaf {
  /** RFC 4514 text of the subject. */
  subject: string;
  commonName?: string;
  dnsNames: string[];
  uris: string[];
  /** Lower-case hex, leading zero bytes dropped. */
  serial: string;
  notAfter: Date;
  /** Lower-case hex SHA-256 of the DER certificate. */
  fingerprint: string;
}

export type X5cVerdict =
  | { ok: true; claims: Record<string, unknown>; leaf: X5cLeaf; anchorSubject: string }
  | { ok: false; reason: X5cReason; check: X5cCheck; message: string };

/** `x5c` holds at most this many certificates (leaf and intermediates). */
export const X5C_MAX_CERTIFICATES = 5;
/** `exp - iat` may be at most this: step mints these tokens per request, valid five minutes. */
export const X5C_MAX_LIFETIME_SECONDS = 300;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** One certificate read twice: OpenSSL (node) checks issuance and signatures, @peculiar/x509 reads extensions. */
interface ChainCertificate {
  der: Buffer;
  openssl: NodeCertificate;
  parsed: x509.X509Certificate;
  /** Extensions looked up so far (see `extension`). */
  extensions: Map<unknown, x509.Extension | null>;
}

/**
 * Verifies an x5c client-certificate token, checks in this order, stopping at the first failure:
 * format; `x5c` certificates parse; algorithm allowlist; signature with the leaf's key; chain
 * (each certificate issued and signed by the next, the last by an anchor, pathLen respected);
 * validity of every certificate at now; the leaf is for client authentication; revocation of the
 * leaf and intermediates; `aud`; `exp`/`nbf`/`iat` with leeway and a lifetime of at most 300 s;
 * `sub` equals the leaf's common name when present; `jti` not replayed (per certificate, recorded
 * until `exp` + leeway).
 *
 * Not pure: it calls `isRevoked` and records the `jti` in the replay guard. Never throws for a bad
 * token, nor when `isRevoked` or the replay guard fails (both refuse the token).
 */
export async function verifyX5cToken(token: string, expect: X5cExpectations): Promise<X5cVerdict> {
  const leeway = expect.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const nowMs = (expect.now ?? Date.now)();

  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
    return refuse('malformed', 'format', `token is over ${MAX_TOKEN_LENGTH} characters or not a string`);
  }
  if (token.split('.').length !== 3) {
    return refuse('malformed', 'format', 'token is not a compact JWS (want three dot-separated parts)');
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return refuse('malformed', 'format', 'token header is not base64url-encoded JSON');
  }

  const certificates = readX5c(header.x5c);
  if (!Array.isArray(certificates)) return certificates;
  const leaf = certificates[0];

  const { alg } = header;
  if (!isAllowedAlgorithm(alg)) {
    return refuse(
      'algorithmNotAllowed',
      'signature',
      `signature: algorithm ${show(alg)} is not allowed; want one of ${ALLOWED_ALGORITHMS.join(', ')}`,
    );
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, leaf.openssl.publicKey as KeyObject, { algorithms: [alg] }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return refuse(
        'badSignature',
        'signature',
        `signature: does not verify with the ${alg} key of the leaf certificate ${subjectOf(leaf)}`,
      );
    }
    if (error instanceof errors.JWSInvalid) {
      return refuse('malformed', 'format', `token is not a JWS this server accepts: ${error.message}`);
    }
    return refuse(
      'keyUnusable',
      'signature',
      `signature: the ${leaf.openssl.publicKey.asymmetricKeyType} key of the leaf certificate cannot verify ${alg}`,
    );
  }
  const claims = parsePayload(payload);
  if (claims === undefined) return refuse('malformed', 'format', 'token payload is not a JSON object');

  const anchors = expect.anchors.flatMap(certificatesFromPem).flatMap((der) => readCertificate(der) ?? []);
  const chain = buildPath(certificates, anchors);
  if (!('path' in chain)) return chain;
  const { path, anchor } = chain;
  const constrained = pathProblem(
    path.map((certificate) => certificate.parsed),
    anchor.parsed,
  );
  if (constrained) {
    const which = (index: number) =>
      index === 0 ? 'the leaf' : index >= path.length ? 'the anchor' : `intermediate ${index}`;
    const certificate = (index: number) => (index >= path.length ? anchor : path[index]);
    const by =
      constrained.by === undefined
        ? ''
        : ` under the nameConstraints of ${which(constrained.by)} ${subjectOf(certificate(constrained.by))}, which`;
    return refuse(
      'untrustedChain',
      'chain',
      `chain: ${which(constrained.at)} ${subjectOf(certificate(constrained.at))}${by} ${constrained.message}`,
    );
  }

  const validity = checkValidity([...path, anchor], anchor, new Date(nowMs));
  if (validity) return validity;
  const usage = checkClientUsage(leaf);
  if (usage) return usage;
  const revocation = await checkRevocation(path, anchor, expect.isRevoked);
  if (revocation) return revocation;

  const problem =
    audienceProblem(claims.aud, expect.audience) ?? lifetimeProblem(claims, nowMs / 1000, leeway);
  if (problem) return refuse(problem.reason, problem.check, problem.message);
  const tooLong = lifetimeTooLong(claims);
  if (tooLong) return tooLong;
  const exp = claims.exp as number;

  const leafFacts = describeLeaf(leaf);
  if (claims.sub !== undefined && claims.sub !== leafFacts.commonName) {
    return refuse(
      'subjectMismatch',
      'subject',
      `subject: sub want the leaf's common name ${show(leafFacts.commonName)}, got ${show(claims.sub)}`,
    );
  }

  const replay = await replayProblem(
    claims.jti,
    expect.replayGuard,
    // Keyed by certificate: two holders cannot spend each other's jti.
    (jti) => `x5c:${leafFacts.fingerprint}:${jti}`,
    (exp + leeway) * 1000,
    'was already presented with this certificate',
  );
  if (replay) return refuse(replay.reason, replay.check, replay.message);
  return { ok: true, claims, leaf: leafFacts, anchorSubject: rfc4514(anchor.parsed.subjectName) };
}

/** What the holder's certificate must say; every rule present must hold. */
export interface SubjectRules {
  /** Equal to the leaf's common name. */
  commonName?: string;
  /** Each one among the leaf's DNS names (compared case-insensitively). */
  dnsNames?: string[];
  /** Each one among the leaf's URIs (compared exactly). */
  uris?: string[];
}

/** A rule the leaf breaks; `want` and `got` are JSON (`"none"` when absent), so `${rule}: want ${want}, got ${got}` reads well. */
export interface SubjectMismatch {
  rule: string;
  want: string;
  got: string;
}

/**
 * The rules a verified leaf breaks, e.g. `{ rule: 'commonName', want: '"release-bot"', got: '"other"' }`;
 * empty when every rule holds (and for no rules). One entry per missing DNS name or URI. Pure.
 */
export function matchSubject(rules: SubjectRules | undefined, leaf: X5cLeaf): SubjectMismatch[] {
  const mismatches: SubjectMismatch[] = [];
  if (rules?.commonName !== undefined && rules.commonName !== leaf.commonName) {
    mismatches.push({ rule: 'commonName', want: show(rules.commonName), got: show(leaf.commonName) });
  }
  const dnsNames = new Set(leaf.dnsNames.map((name) => name.toLowerCase()));
  for (const name of rules?.dnsNames ?? []) {
    if (!dnsNames.has(name.toLowerCase()))
      mismatches.push({ rule: 'dnsNames', want: show(name), got: show(leaf.dnsNames) });
  }
  for (const uri of rules?.uris ?? []) {
    if (!leaf.uris.includes(uri)) mismatches.push({ rule: 'uris', want: show(uri), got: show(leaf.uris) });
  }
  return mismatches;
}

function readX5c(x5c: unknown): ChainCertificate[] | Refusal {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > X5C_MAX_CERTIFICATES) {
    const got = Array.isArray(x5c) ? `${x5c.length} entries` : show(x5c);
    return refuse(
      'missingCertificateChain',
      'certificates',
      `certificates: x5c want an array of 1 to ${X5C_MAX_CERTIFICATES} base64 DER certificates, got ${got}`,
    );
  }
  const certificates: ChainCertificate[] = [];
  for (const [index, entry] of x5c.entries()) {
    const certificate =
      typeof entry === 'string' && isStandardBase64(entry)
        ? readCertificate(Buffer.from(entry, 'base64'))
        : undefined;
    if (!certificate) {
      return refuse(
        'malformedCertificate',
        'certificates',
        `certificates: x5c[${index}] is not standard base64 of a DER X.509 certificate`,
      );
    }
    certificates.push(certificate);
  }
  return certificates;
}

/**
 * Parsed certificates by their DER (base64), at most CACHE_LIMIT: anchors are the same at every
 * exchange and a client presents its certificate again at each one, and parsing (asn1js) costs
 * more than every check together. A certificate is immutable bytes, so a parse can be reused; the
 * checks (signatures, validity at now, revocation) run on every token.
 */
const parsedByDer = new Map<string, ChainCertificate>();
const CACHE_LIMIT = 1024;

function readCertificate(der: Buffer): ChainCertificate | undefined {
  const key = der.toString('base64');
  const cached = parsedByDer.get(key);
  if (cached) return cached;
  const openssl = parseCertificate(der);
  if (!openssl) return undefined;
  let certificate: ChainCertificate;
  try {
    certificate = { der, openssl, parsed: new x509.X509Certificate(der), extensions: new Map() };
  } catch {
    return undefined;
  }
  if (parsedByDer.size >= CACHE_LIMIT) parsedByDer.clear();
  parsedByDer.set(key, certificate);
  return certificate;
}

/** `certificate.parsed.getExtension(type)`, parsed once per certificate. */
function extension<T extends x509.Extension>(
  certificate: ChainCertificate,
  type: new (raw: ArrayBuffer | ArrayBufferView) => T,
): T | null {
  if (!certificate.extensions.has(type))
    certificate.extensions.set(type, certificate.parsed.getExtension(type));
  return certificate.extensions.get(type) as T | null;
}

function isStandardBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}

/**
 * The path x5c[0] → x5c[1] → … → anchor, following the order RFC 7515 gives `x5c`; it ends at the
 * first certificate an anchor issued (entries after it, such as the root itself, are ignored).
 */
function buildPath(
  certificates: readonly ChainCertificate[],
  anchors: readonly ChainCertificate[],
): { path: ChainCertificate[]; anchor: ChainCertificate } | Refusal {
  const path: ChainCertificate[] = [];
  for (const [index, current] of certificates.entries()) {
    path.push(current);
    const anchor = anchors.find((candidate) => issued(current, candidate));
    if (anchor) {
      const tooDeep = [...path.slice(1), anchor].find(
        (ca, position) => (pathLength(ca) ?? Number.POSITIVE_INFINITY) < position,
      );
      if (tooDeep) {
        return refuse(
          'untrustedChain',
          'chain',
          `chain: ${subjectOf(tooDeep)} allows ${pathLength(tooDeep)} intermediate CAs below it, the chain has more`,
        );
      }
      return { path, anchor };
    }
    const next = certificates[index + 1];
    if (!next || !issued(current, next)) break;
  }
  const last = path[path.length - 1];
  const where = path.length > 1 ? `; the chain breaks at ${subjectOf(last)} (issuer ${issuerOf(last)})` : '';
  return refuse(
    'untrustedChain',
    'chain',
    `chain: the leaf's issuer ${issuerOf(certificates[0])} does not chain to an anchor${where}; want one of ${
      anchors.map((anchor) => subjectOf(anchor)).join(', ') || 'none (no anchor parses)'
    }`,
  );
}

/** OpenSSL's issuer check (names, key identifiers, keyCertSign) and signature, by a CA. */
function issued(child: ChainCertificate, parent: ChainCertificate): boolean {
  try {
    return (
      parent.openssl.ca &&
      child.openssl.checkIssued(parent.openssl) &&
      child.openssl.verify(parent.openssl.publicKey)
    );
  } catch {
    return false;
  }
}

/** A certificate's subject or issuer for a message, quoted. */
function subjectOf(certificate: ChainCertificate): string {
  return show(rfc4514(certificate.parsed.subjectName));
}

function issuerOf(certificate: ChainCertificate): string {
  return show(rfc4514(certificate.parsed.issuerName));
}

/** RFC 4514 order (most specific first, as the PKI writes subjects), e.g. `CN=release-bot, O=Acme`. */
function rfc4514(name: x509.Name): string {
  return new x509.Name(name.toJSON().reverse()).toString();
}

function pathLength(certificate: ChainCertificate): number | undefined {
  return extension(certificate, x509.BasicConstraintsExtension)?.pathLength;
}

function checkValidity(
  chain: readonly ChainCertificate[],
  anchor: ChainCertificate,
  now: Date,
): Refusal | undefined {
  for (const [index, certificate] of chain.entries()) {
    const { notBefore, notAfter } = certificate.parsed;
    const which =
      index === 0 ? 'leaf certificate' : certificate === anchor ? 'anchor' : `intermediate ${index}`;
    if (now > notAfter) {
      return refuse(
        'certificateExpired',
        'validity',
        `validity: the ${which} ${subjectOf(certificate)} expired at ${notAfter.toISOString()}`,
      );
    }
    if (now < notBefore) {
      return refuse(
        'certificateNotYetValid',
        'validity',
        `validity: the ${which} ${subjectOf(certificate)} is not valid before ${notBefore.toISOString()}`,
      );
    }
  }
  return undefined;
}

function checkClientUsage(leaf: ChainCertificate): Refusal | undefined {
  const problem = (wanted: string) =>
    refuse(
      'certificateNotForClientAuth',
      'usage',
      `usage: the leaf certificate ${subjectOf(leaf)} ${wanted}`,
    );
  if (extension(leaf, x509.BasicConstraintsExtension)?.ca) {
    return problem('is a CA certificate; want an end-entity certificate');
  }
  const keyUsage = extension(leaf, x509.KeyUsagesExtension);
  if (keyUsage && !(keyUsage.usages & x509.KeyUsageFlags.digitalSignature)) {
    return problem('has keyUsage without digitalSignature');
  }
  const extendedKeyUsage = extension(leaf, x509.ExtendedKeyUsageExtension);
  if (extendedKeyUsage && !extendedKeyUsage.usages.includes(CLIENT_AUTH)) {
    return problem(
      `has extendedKeyUsage ${extendedKeyUsage.usages.join(', ')}; want clientAuth (${CLIENT_AUTH})`,
    );
  }
  return undefined;
}

async function checkRevocation(
  path: readonly ChainCertificate[],
  anchor: ChainCertificate,
  isRevoked: X5cExpectations['isRevoked'],
): Promise<Refusal | undefined> {
  if (!isRevoked) return undefined;
  for (const [index, certificate] of path.entries()) {
    const issuer = path[index + 1] ?? anchor;
    const serial = serialHex(certificate);
    const which = index === 0 ? 'leaf certificate' : `intermediate ${index}`;
    let answer: unknown;
    try {
      answer = await isRevoked(serial, issuer.openssl.toString());
    } catch {
      answer = undefined;
    }
    if (answer === true) {
      return refuse(
        'certificateRevoked',
        'revocation',
        `revocation: the ${which} ${subjectOf(certificate)} (serial ${serial}) is revoked`,
      );
    }
    if (answer !== false) {
      return refuse(
        'revocationCheckUnavailable',
        'revocation',
        `revocation: cannot tell whether the ${which} (serial ${serial}) is revoked; refused unchecked`,
      );
    }
  }
  return undefined;
}

/** The JWT itself must be short-lived: one is minted per request. */
function lifetimeTooLong(claims: Record<string, unknown>): Refusal | undefined {
  const span = (claims.exp as number) - (claims.iat as number);
  return span > X5C_MAX_LIFETIME_SECONDS
    ? refuse(
        'lifetimeTooLong',
        'lifetime',
        `lifetime: exp - iat want at most ${X5C_MAX_LIFETIME_SECONDS} s, got ${span} s`,
      )
    : undefined;
}

function describeLeaf(leaf: ChainCertificate): X5cLeaf {
  const names = extension(leaf, x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const commonName = leaf.parsed.subjectName.getField('CN')[0];
  return {
    subject: rfc4514(leaf.parsed.subjectName),
    ...(commonName === undefined ? {} : { commonName }),
    dnsNames: names.filter((name) => name.type === 'dns').map((name) => name.value),
    uris: names.filter((name) => name.type === 'url').map((name) => name.value),
    serial: serialHex(leaf),
    notAfter: leaf.parsed.notAfter,
    fingerprint: createHash('sha256').update(leaf.der).digest('hex'),
  };
}

/** Lower-case hex of the serial's magnitude, leading zero bytes dropped, as the PKI records serials. */
function serialHex(certificate: ChainCertificate): string {
  return certificate.parsed.serialNumber.toLowerCase().replace(/^(00)+(?=[0-9a-f]{2})/, '');
}

type Refusal = Extract<X5cVerdict, { ok: false }>;

function refuse(reason: keyof typeof X5C_REASONS, check: X5cCheck, message: string): Refusal {
  return { ok: false, reason: X5C_REASONS[reason], check, message };
}
