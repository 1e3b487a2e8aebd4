import { describe, expect, it } from 'vitest';
import { manifest, problemsOf } from './fixtures.js';

const TPM_DIGEST = '5zlZG4dV1uYO58yfp2xf8oky4SQyh0CJInKnWAfBVtU=';

interface Case {
  name: string;
  document: Record<string, unknown>;
  /** undefined: the document is valid; else the one problem expected. */
  problem?: string;
}

function device(platform: string, permanentIdentifier: string): Record<string, unknown> {
  return manifest('Device', { platform, permanentIdentifier });
}

const APPLE = 'must be an Apple serial number: 9 to 12 upper-case letters and digits';
const TPM = 'must be a TPM endorsement key URN';

const identifierCases: Case[] = [
  { name: 'a 12-character Apple serial is accepted', document: device('apple', 'C02XG2JHJG5H') },
  { name: 'a 9-character Apple serial is accepted', document: device('apple', 'F9FXK1Q2A') },
  { name: 'an 8-character Apple serial is refused', document: device('apple', 'C02XG2JH'), problem: APPLE },
  {
    name: 'a 13-character Apple serial is refused',
    document: device('apple', 'C02XG2JHJG5HX'),
    problem: APPLE,
  },
  { name: 'a lower-case Apple serial is refused', document: device('apple', 'c02xg2jhjg5h'), problem: APPLE },
  {
    name: 'a TPM URN with a 32-byte base64 digest is accepted',
    document: device('tpm', `urn:ek:sha256:${TPM_DIGEST}`),
  },
  {
    name: 'a TPM URN without its padding is refused',
    document: device('tpm', `urn:ek:sha256:${TPM_DIGEST.slice(0, -1)}`),
    problem: TPM,
  },
  {
    name: 'a TPM URN with URL-safe base64 is refused',
    document: device('tpm', `urn:ek:sha256:${'_'.repeat(42)}A=`),
    problem: TPM,
  },
  {
    name: 'a TPM URN of a 48-byte digest is refused',
    document: device('tpm', `urn:ek:sha256:${'A'.repeat(64)}`),
    problem: TPM,
  },
  {
    name: 'a TPM identifier that is an Apple serial is refused',
    document: device('tpm', 'C02XG2JHJG5H'),
    problem: TPM,
  },
  {
    name: 'a Linux machine UUID is accepted',
    document: device('linux', '4c4c4544-0042-3510-8052-b4c04f4b4d32'),
  },
  { name: 'a 256-character identifier is accepted on Windows', document: device('windows', 'x'.repeat(256)) },
  {
    name: 'a 257-character identifier is refused on Android',
    document: device('android', 'x'.repeat(257)),
    problem: 'must be 1 to 256 printable ASCII characters',
  },
  {
    name: 'an empty identifier is refused on other platforms',
    document: device('other', ''),
    problem: 'must be 1 to 256 printable ASCII characters',
  },
  {
    name: 'a control character is refused in an identifier',
    document: device('linux', 'abc\n'),
    problem: 'must be 1 to 256 printable ASCII characters',
  },
];

const name63 = 'a'.repeat(63);
const nameCases: Case[] = [
  { name: 'a 63-character name is accepted', document: manifest('Device', {}, { name: name63 }) },
  {
    name: 'a 64-character name is refused',
    document: manifest('Device', {}, { name: `${name63}a` }),
    problem: '/metadata/name: must be at most 63 characters long',
  },
  {
    name: 'an upper-case name is refused',
    document: manifest('Device', {}, { name: 'Laptop-1' }),
    problem: '/metadata/name: must be a DNS-1123 label',
  },
  {
    name: 'a name ending with a dash is refused',
    document: manifest('Device', {}, { name: 'laptop-' }),
    problem: '/metadata/name: must be a DNS-1123 label',
  },
  {
    name: 'a name with a dot is refused',
    document: manifest('Device', {}, { name: 'laptop.1' }),
    problem: '/metadata/name: must be a DNS-1123 label',
  },
  {
    name: 'an empty name is refused',
    document: manifest('Device', {}, { name: '' }),
    problem: '/metadata/name: must not be empty',
  },
  { name: 'a name of digits is accepted', document: manifest('Device', {}, { name: '042' }) },
];

function labelled(labels: Record<string, unknown>): Record<string, unknown> {
  return manifest('Device', {}, { name: 'test-1', labels });
}
const LABEL_KEY = 'must be a label key';
const LABEL_VALUE = 'must be a label value';
const labelCases: Case[] = [
  { name: 'a plain label key is accepted', document: labelled({ team: 'infra' }) },
  { name: 'a prefixed label key is accepted', document: labelled({ 'app.kubernetes.io/name': 'agent' }) },
  { name: 'an empty label value is accepted', document: labelled({ retired: '' }) },
  { name: 'a 63-character label value is accepted', document: labelled({ team: 'v'.repeat(63) }) },
  {
    name: 'a 64-character label value is refused',
    document: labelled({ team: 'v'.repeat(64) }),
    problem: '/metadata/labels/team: must be at most 63 characters long',
  },
  {
    name: 'a label value starting with a dash is refused',
    document: labelled({ team: '-infra' }),
    problem: `/metadata/labels/team: ${LABEL_VALUE}`,
  },
  {
    name: 'a label value that is a number is refused',
    document: labelled({ tier: 1 }),
    problem: '/metadata/labels/tier: must be a string, not an integer',
  },
  {
    name: 'a label key with a space is refused, pointing at the key',
    document: labelled({ 'my team': 'x' }),
    problem: `/metadata/labels/my team: invalid key "my team": ${LABEL_KEY}`,
  },
  {
    name: 'a label key name of 64 characters is refused',
    document: labelled({ ['k'.repeat(64)]: 'x' }),
    problem: LABEL_KEY,
  },
  {
    name: 'a label key with an upper-case prefix is refused',
    document: labelled({ 'Example.com/team': 'x' }),
    problem: LABEL_KEY,
  },
  {
    name: 'a label key with two slashes is refused, escaped in the pointer',
    document: labelled({ 'a/b/c': 'x' }),
    problem: '/metadata/labels/a~1b~1c: invalid key',
  },
];

const valueCases: Case[] = [
  {
    name: 'a duration of hours is accepted',
    document: manifest('CertificateAuthority', { validity: '8760h' }),
  },
  { name: 'a duration of days is accepted', document: manifest('CertificateAuthority', { validity: '90d' }) },
  {
    name: 'a compound duration is accepted',
    document: manifest('CertificateAuthority', { renewBefore: '1h30m' }),
  },
  {
    name: 'a duration without a unit is refused',
    document: manifest('CertificateAuthority', { validity: '8760' }),
    problem: '/spec/validity: must be a duration',
  },
  {
    name: 'a duration in years is refused',
    document: manifest('CertificateAuthority', { validity: '10y' }),
    problem: '/spec/validity: must be a duration',
  },
  {
    name: 'a duration given as a number is refused',
    document: manifest('CertificateAuthority', { validity: 3600 }),
    problem: '/spec/validity: must be a string, not an integer',
  },
  {
    name: 'an upper-case hex digest is refused',
    document: manifest('Artifact', { digest: `sha256:${'AB'.repeat(32)}` }),
    problem: '/spec/digest: must be "sha256:" followed by 64 lower-case hexadecimal digits',
  },
  {
    name: 'a short digest is refused',
    document: manifest('Artifact', { digest: `sha256:${'ab'.repeat(31)}` }),
    problem: '/spec/digest: must be "sha256:"',
  },
  {
    name: 'a digest of another algorithm is refused',
    document: manifest('Artifact', { digest: `sha512:${'ab'.repeat(32)}` }),
    problem: '/spec/digest: must be "sha256:"',
  },
  {
    name: 'an unknown platform lists the allowed ones',
    document: manifest('Artifact', { platforms: ['ios'] }),
    problem:
      '/spec/platforms/0: must be one of "apple", "tpm", "linux", "android", "windows", "other" (got "ios")',
  },
  {
    name: 'an empty platform list is refused',
    document: manifest('Artifact', { platforms: [] }),
    problem: '/spec/platforms: must not be empty',
  },
  {
    name: 'a relative artifact URL is refused',
    document: manifest('Artifact', { url: 'edge-agent.tar.gz' }),
    problem: '/spec/url: must be an absolute URI',
  },
  {
    name: 'a malformed user e-mail is refused',
    document: manifest('Device', { user: { email: 'ada-at-example' } }),
    problem: '/spec/user/email: must be an e-mail address',
  },
  {
    name: 'a lower-case country code is refused',
    document: manifest('CertificateAuthority', { subject: { commonName: 'x', country: 'us' } }),
    problem: '/spec/subject/country: must be a two-letter ISO 3166-1 country code',
  },
  {
    name: 'a permission without an action is refused',
    document: manifest('TrustPolicy', { permissions: ['devices'] }),
    problem: '/spec/permissions/0: must be a permission',
  },
  {
    name: 'an unknown key algorithm lists the allowed ones',
    document: manifest('CertificateAuthority', { keyAlgorithm: 'RSA-1024' }),
    problem:
      '/spec/keyAlgorithm: must be one of "ECDSA-P256", "ECDSA-P384", "Ed25519", "RSA-2048", "RSA-3072"',
  },
];

describe.each([
  ['permanent identifiers', identifierCases],
  ['resource names', nameCases],
  ['labels', labelCases],
  ['durations, digests and other values', valueCases],
])('format rules for %s', (_topic, cases) => {
  it.each(cases)('$name', ({ document, problem }) => {
    const problems = problemsOf(document);
    if (problem === undefined) {
      expect(problems).toEqual([]);
    } else {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(problem);
    }
  });
});
