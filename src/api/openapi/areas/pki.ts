import { CertificateAuthorityRoutes, PublicPkiRoutes } from '../../routes/pki.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { CONTINUE, json, LIMIT, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, listOf, object, STRING, TIME } from '../schema-builders.js';

/* The OpenAPI shapes and operations of the CertificateAuthority routes and the public PKI files. */

const issuedCertificateItem = object(
  {
    serial: STRING,
    subject: STRING,
    profile: STRING,
    notBefore: TIME,
    notAfter: TIME,
    fingerprint: STRING,
    issuedAt: TIME,
    state: { enum: ['valid', 'revoked', 'expired'] },
    owner: object({ kind: STRING, name: STRING }),
    revocation: object({ revokedAt: TIME, reason: STRING }),
  },
  ['serial', 'subject', 'notBefore', 'notAfter', 'state'],
);

const PEM = described(STRING, 'PEM text.');

const PEM_CHAIN = { 'application/pem-certificate-chain': { type: 'string' } };
const DER_CRL = { 'application/pkix-crl': { type: 'string', contentMediaType: 'application/pkix-crl' } };

export const PKI_SHAPES: Record<string, JsonSchema> = {
  CertificateRequest: object(
    {
      csr: described(PEM, 'A PKCS#10 request (PEM); or give `publicKey` and `subject`.'),
      publicKey: described(PEM, 'A SubjectPublicKeyInfo (PEM).'),
      subject: object({
        commonName: STRING,
        organization: STRING,
        organizationalUnit: STRING,
        country: STRING,
        province: STRING,
        locality: STRING,
      }),
      subjectAltNames: object({
        dnsNames: { type: 'array', items: STRING },
        uris: { type: 'array', items: STRING },
        emails: { type: 'array', items: STRING },
        ipAddresses: { type: 'array', items: STRING },
      }),
      profile: { enum: ['client', 'server', 'device'] },
      validity: described(STRING, 'A duration (`720h`); at most the CA’s leaf validity.'),
      owner: object({ kind: STRING, name: STRING }),
    },
    [],
    'A CSR or a public key, and what to put in the certificate.',
  ),
  IssuedCertificate: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'IssuedCertificate' },
      serial: STRING,
      subject: STRING,
      notBefore: TIME,
      notAfter: TIME,
      fingerprint: STRING,
      clipped: described({ type: 'boolean' }, 'True when the validity was cut to the CA’s own.'),
      certificate: PEM,
      chain: described(PEM, 'The CA’s chain, up to its root.'),
    },
    ['apiVersion', 'kind', 'serial', 'certificate', 'chain'],
  ),
  IssuedCertificateItem: issuedCertificateItem,
  IssuedCertificateList: listOf(
    'IssuedCertificateList',
    ref('IssuedCertificateItem'),
    'Certificates a CA issued.',
  ),
  RevocationRequest: object(
    {
      serial: described(STRING, 'Hexadecimal serial number.'),
      reason: described(STRING, 'An RFC 5280 reason name; default `unspecified`.'),
    },
    ['serial'],
  ),
  Revocation: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'Revocation' },
      serial: STRING,
      revokedAt: TIME,
      reason: STRING,
      alreadyRevoked: described(
        { type: 'boolean' },
        'True when it was revoked before this call (nothing changed).',
      ),
    },
    ['apiVersion', 'kind', 'serial', 'revokedAt', 'reason', 'alreadyRevoked'],
  ),
};

export const PKI_OPERATIONS: Array<[string, OperationEntry]> = [
  route(CertificateAuthorityRoutes, 'chain', {
    tag: 'CertificateAuthority',
    summary: 'A CA’s certificate chain',
    description: 'The CA’s current certificate, then its issuers’ up to the root.',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(CertificateAuthorityRoutes, 'bundle', {
    tag: 'CertificateAuthority',
    summary: 'A CA’s trust bundle',
    description:
      'Every certificate still valid of the CA and of the CAs above it (renewed and rotated ones stay until they expire): verifies leaves signed under any key the CA had.',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(CertificateAuthorityRoutes, 'crl', {
    tag: 'CertificateAuthority',
    summary: 'A CA’s certificate revocation list',
    query: [{ name: 'format', description: '`pem` for PEM; DER otherwise.', schema: { enum: ['pem'] } }],
    response: {
      description: 'DER, or PEM with `format=pem`.',
      content: { ...DER_CRL, 'application/x-pem-file': { type: 'string' } },
    },
  }),
  route(CertificateAuthorityRoutes, 'keyCrl', {
    tag: 'CertificateAuthority',
    summary: 'The CRL of one key of a CA',
    description:
      'Each key publishes a CRL while a CA certificate of it is unexpired (an earlier key’s too, after a rotation: nothing it signed outlives that); 404 for a key with none.',
    query: [{ name: 'format', description: '`pem` for PEM; DER otherwise.', schema: { enum: ['pem'] } }],
    response: {
      description: 'DER, or PEM with `format=pem`.',
      content: { ...DER_CRL, 'application/x-pem-file': { type: 'string' } },
    },
  }),
  route(CertificateAuthorityRoutes, 'certificates', {
    tag: 'CertificateAuthority',
    summary: 'Certificates a CA issued',
    query: [LIMIT, CONTINUE],
    response: { description: 'A page.', content: json(ref('IssuedCertificateList')) },
  }),
  route(CertificateAuthorityRoutes, 'issue', {
    tag: 'CertificateAuthority',
    summary: 'Issue a certificate',
    description:
      'From a CSR or a public key; answered with the CA’s chain. 409 when the CA cannot issue (not Ready, expired).',
    request: { description: 'What to certify.', content: json(ref('CertificateRequest')) },
    response: { description: 'The certificate.', content: json(ref('IssuedCertificate')) },
    errors: [409],
  }),
  route(CertificateAuthorityRoutes, 'revoke', {
    tag: 'CertificateAuthority',
    summary: 'Revoke a certificate',
    description: 'Idempotent: a revoked certificate answers its revocation. The CRL is re-published.',
    request: { description: 'The certificate to revoke.', content: json(ref('RevocationRequest')) },
    response: { description: 'The revocation.', content: json(ref('Revocation')) },
    errors: [409],
  }),
  route(PublicPkiRoutes, 'chain', {
    tag: 'Public PKI',
    summary: 'A CA’s chain, for relying parties',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(PublicPkiRoutes, 'bundle', {
    tag: 'Public PKI',
    summary: 'A CA’s trust bundle, for relying parties',
    description:
      'Every still-valid certificate of the CA and of the CAs above it, so leaves from before a key rotation verify too.',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(PublicPkiRoutes, 'crl', {
    tag: 'Public PKI',
    summary: 'A CA’s CRL (current key), for relying parties',
    description: 'Lists every revoked, unexpired certificate of the CA, whichever key signed it.',
    response: { description: 'DER.', content: DER_CRL },
  }),
  route(PublicPkiRoutes, 'keyCrl', {
    tag: 'Public PKI',
    summary: 'The CRL of one key of a CA, for relying parties',
    description:
      'The CRL Distribution Point of every certificate Steward issues: signed by the key that signed the certificate, published until the last CA certificate of that key expires.',
    response: { description: 'DER.', content: DER_CRL },
  }),
];
