/** The AttestationAuthority reconciler's pure decision, as a table. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decideAttestationAuthority } from '../../controllers/attestation-authority.js';
import type { AttestationAuthoritySpec } from '../../src/kinds/generated/v1/attestationauthority.js';
import { problemsOf } from '../schema/fixtures.js';
import { createTestCa } from '../support/swtpm.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-aa-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ca(name: string, args: string[] = []): string {
  const sub = mkdtempSync(join(dir, 'ca-'));
  return createTestCa(sub, name, args).certificatePem;
}

function leaf(): string {
  const path = join(dir, 'leaf.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'leaf.key'),
      '-out',
      path,
      '-days',
      '30',
      '-subj',
      '/CN=not a CA',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ],
    { stdio: 'pipe' },
  );
  return readFileSync(path, 'utf8');
}

const manufacturer = ca('Manufacturer A Root');
const second = ca('Manufacturer B Root');
const notCa = leaf();
const expired = ca('Expired Root', ['-days', '1']);
// openssl starts validity at the current second: decide a little later.
const now = new Date(Date.now() + 2000);
const later = new Date(now.getTime() + 3 * 24 * 60 * 60 * 1000);

describe('AttestationAuthority decision', () => {
  it.each<[string, AttestationAuthoritySpec, Date, string, string, RegExp]>([
    [
      'is Ready with one TPM manufacturer root',
      { format: 'tpm', roots: [manufacturer] },
      now,
      'True',
      'AnchorsValid',
      /^1 anchor valid: CN ?= ?Manufacturer A Root$/,
    ],
    [
      'counts and names every root',
      { format: 'tpm', roots: [manufacturer, second] },
      now,
      'True',
      'AnchorsValid',
      /^2 anchors valid: .*Manufacturer A Root; .*Manufacturer B Root$/,
    ],
    [
      'uses the built-in Apple root when an apple authority lists none',
      { format: 'apple' },
      now,
      'True',
      'AnchorsValid',
      /^1 anchor valid \(built in\): .*Apple Enterprise Attestation Root CA/,
    ],
    [
      'refuses a root that is not a CA, naming its index',
      { format: 'tpm', roots: [manufacturer, notCa] },
      now,
      'False',
      'AnchorInvalid',
      /^roots\[1\] .*not a CA/,
    ],
    [
      'refuses a root that does not parse',
      { format: 'tpm', roots: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] },
      now,
      'False',
      'AnchorInvalid',
      /^roots\[0\] is not an X.509 certificate$/,
    ],
    [
      'refuses two certificates in one entry',
      { format: 'apple', roots: [manufacturer + second] },
      now,
      'False',
      'AnchorInvalid',
      /^roots\[0\] holds 2 PEM certificates/,
    ],
    [
      'refuses an expired root',
      { format: 'tpm', roots: [expired] },
      later,
      'False',
      'AnchorInvalid',
      /^roots\[0\] .*expired at /,
    ],
    [
      'refuses an intermediate that is not a CA',
      { format: 'tpm', roots: [manufacturer], intermediates: [notCa] },
      now,
      'False',
      'IntermediateInvalid',
      /^intermediates\[0\] .*not a CA/,
    ],
    [
      'is not Ready as a tpm authority without roots',
      { format: 'tpm' },
      now,
      'False',
      'NoAnchors',
      /needs at least one root/,
    ],
  ])('%s', (_name, spec, at, status, reason, message) => {
    const result = decideAttestationAuthority(spec, at);
    const condition = result.conditions.find((entry) => entry.type === 'Ready');
    expect(condition).toMatchObject({ status, reason });
    expect(condition?.message).toMatch(message);
  });

  it('reconciles again before the first anchor expires, and at least daily', () => {
    const result = decideAttestationAuthority({ format: 'tpm', roots: [expired] }, now);
    expect(result.conditions[0].status).toBe('True');
    expect(result.requeueAfter).toBeGreaterThan(0);
    expect(result.requeueAfter).toBeLessThanOrEqual(24 * 60 * 60 * 1000);
    expect(result.status).toMatchObject({ anchorCount: 1 });
  });
});

describe('AttestationAuthority schema', () => {
  const authority = (spec: Record<string, unknown>) => ({
    apiVersion: 'steward.dev/v1',
    kind: 'AttestationAuthority',
    metadata: { name: 'vendors' },
    spec,
  });

  it('accepts an apple authority without roots and a tpm authority with PEM roots', () => {
    expect(problemsOf(authority({ format: 'apple' }))).toEqual([]);
    expect(problemsOf(authority({ format: 'tpm', roots: [manufacturer], intermediates: [second] }))).toEqual(
      [],
    );
  });

  it('refuses a tpm authority without roots, a non-PEM root and an unknown format', () => {
    expect(problemsOf(authority({ format: 'tpm' })).join('\n')).toMatch(/roots/);
    expect(problemsOf(authority({ format: 'tpm', roots: [] })).join('\n')).toMatch(/at least one root/);
    expect(problemsOf(authority({ format: 'tpm', roots: ['not a certificate'] })).join('\n')).toMatch(
      /must be one PEM certificate/,
    );
    expect(problemsOf(authority({ format: 'android' })).length).toBeGreaterThan(0);
  });

  it('bounds the anchors: at most 32, each at most 16 KiB', () => {
    expect(
      problemsOf(authority({ format: 'tpm', roots: Array(33).fill(manufacturer) })).length,
    ).toBeGreaterThan(0);
    const huge = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(17_000)}\n-----END CERTIFICATE-----\n`;
    expect(problemsOf(authority({ format: 'tpm', roots: [huge] })).length).toBeGreaterThan(0);
  });
});
