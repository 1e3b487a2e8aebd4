/** The PKI's pure decisions and input checks, as tables. */
import { describe, expect, it } from 'vitest';
import { decideRelease, planCa, planSpecOf, reportCa } from '../../controllers/certificate-authority.js';
import { BadRequestError, InvalidError, TerminalError } from '../../src/errors.js';
import type { CaObservation } from '../../src/pki/ca-lifecycle.js';
import type { CaPlan } from '../../src/pki/ca-plan.js';
import { decodeContinue, pageLimit } from '../../src/pki/ca-publication.js';
import { crlRefreshAt, crlRefreshDue, planCrls } from '../../src/pki/crl-publisher.js';
import { permanentIdentifierUri } from '../../src/pki/issuance-service.js';
import { parseLeafRequest } from '../../src/pki/leaf-request.js';
import { normalizeSerial, parseRevocationReason } from '../../src/pki/revocation-service.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date('2030-01-01T00:00:00Z');
const NO_CRLS = { publish: [], drop: [] };
const at = (ms: number) => new Date(now.getTime() + ms);

function observation(notAfter: Date, crlThisUpdate = now): CaObservation {
  const certificate = {
    fingerprint: 'f'.repeat(64),
    keyId: 'k',
    serial: '01',
    pem: '-----BEGIN CERTIFICATE-----\n',
    notBefore: at(-DAY),
    notAfter,
    subjectKeyId: 'aa',
    madeFor: { subject: { commonName: 'CA' }, keyAlgorithm: 'ECDSA-P256' as const, validity: '87600h' },
  };
  return {
    material: {},
    current: { ...certificate, keyAlgorithm: 'ECDSA-P256' },
    crls: { publish: [], drop: [], nextRefresh: new Date(crlThisUpdate.getTime() + 3.5 * DAY) },
  };
}

describe('planCa: the CA controller plan the engine runs (observe → plan → act)', () => {
  const root = { type: 'root' as const, subject: { commonName: 'Root' } };
  it('asks to certify a CA that has no key yet, carrying the PKI plan to act on', () => {
    const plan = planCa({ material: {}, spec: root, crls: NO_CRLS }, now);
    expect(plan).toMatchObject({
      act: { type: 'certify', spec: root, plan: { action: 'generateKeyAndCertificate' } },
    });
  });
  it('reports an intermediate waiting for its parent instead of acting', () => {
    const spec = { type: 'intermediate' as const, parentRef: 'root', subject: { commonName: 'Issuing' } };
    const plan = planCa({ material: {}, spec, parentState: { ready: false }, crls: NO_CRLS }, now);
    expect(plan).not.toHaveProperty('act');
    expect(plan).toMatchObject({
      conditions: [{ type: 'Ready', status: 'False', reason: 'ParentNotReady' }],
    });
  });
});

describe('reportCa', () => {
  it.each<{ name: string; plan: CaPlan; observed: CaObservation; ready: string; requeueAfter?: number }>([
    {
      name: 'an up-to-date CA is Ready and comes back at the earliest of renewal, CRL refresh and a day',
      plan: {
        action: 'upToDate',
        reason: 'UpToDate',
        renewAt: at(2 * HOUR),
        requeueAfterMs: 2 * HOUR,
        message: 'ok',
      },
      observed: observation(at(365 * DAY)),
      ready: 'True',
      requeueAfter: 2 * HOUR,
    },
    {
      name: 'far renewals are re-planned daily (a longer timer would overflow)',
      plan: {
        action: 'upToDate',
        reason: 'UpToDate',
        renewAt: at(300 * DAY),
        requeueAfterMs: 300 * DAY,
        message: 'ok',
      },
      observed: observation(at(365 * DAY)),
      ready: 'True',
      requeueAfter: DAY,
    },
    {
      name: 'the CRL refresh comes first when it is due sooner',
      plan: {
        action: 'upToDate',
        reason: 'UpToDate',
        renewAt: at(300 * DAY),
        requeueAfterMs: 300 * DAY,
        message: 'ok',
      },
      observed: observation(at(365 * DAY), at(-3 * DAY - 12 * HOUR + HOUR)),
      ready: 'True',
      requeueAfter: HOUR,
    },
    {
      name: 'a CA waiting for its parent only to renew keeps a good certificate and stays Ready',
      plan: { action: 'waitForParent', reason: 'ParentNotReady', pending: 'renew', message: 'parent' },
      observed: observation(at(10 * DAY)),
      ready: 'True',
    },
    {
      name: 'a CA waiting for its parent to re-issue for a changed spec is not Ready',
      plan: { action: 'waitForParent', reason: 'ParentNotReady', pending: 'reissue', message: 'parent' },
      observed: observation(at(10 * DAY)),
      ready: 'False',
    },
    {
      name: 'a CA whose certificate expired while waiting is not Ready',
      plan: { action: 'waitForParent', reason: 'ParentExpiresFirst', pending: 'renew', message: 'parent' },
      observed: observation(at(-1)),
      ready: 'False',
    },
  ])('$name', ({ plan, observed, ready, requeueAfter }) => {
    const result = reportCa(plan, observed, now);
    expect(result.conditions[0]).toMatchObject({ type: 'Ready', status: ready, reason: plan.reason });
    if (requeueAfter !== undefined) expect(result.requeueAfter).toBe(requeueAfter);
    if (ready === 'True')
      expect(result.status).toMatchObject({ certificate: expect.any(String), fingerprint: 'f'.repeat(64) });
    expect(JSON.stringify(result.status)).not.toMatch(/PRIVATE|sealed|key_id/i);
  });
});

describe('decideRelease', () => {
  it('lets go when nothing depends on the CA', () => {
    expect(decideRelease([], [], { count: 0 })).toEqual({ done: true });
  });
  it('names every kind of dependent, and waits for the last certificate when only certificates remain', () => {
    const last = at(5 * HOUR);
    const blocked = decideRelease([], [], { count: 3, lastNotAfter: last }, now);
    expect(blocked).toMatchObject({ done: false, reason: 'InUse', requeueAfter: 5 * HOUR });
    expect(!blocked.done && blocked.message).toContain(
      '3 unexpired certificate(s) it issued (the last expires at 2030-01-01T05:00:00.000Z)',
    );
    const all = decideRelease(
      ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'],
      ['sub'],
      { count: 1, lastNotAfter: last },
      now,
    );
    expect(!all.done && all.message).toContain(
      '6 device(s) (d1, d2, d3, d4, d5, …), 1 intermediate CA(s) (sub)',
    );
    expect(all).toMatchObject({ requeueAfter: 60_000 });
  });
});

describe('planSpecOf', () => {
  it('maps rotateKeyOnRenewal from the schema', () => {
    expect(
      planSpecOf('ca', { type: 'root', subject: { commonName: 'x' }, rotateKeyOnRenewal: true })
        .rotateKeyOnRenewal,
    ).toBe(true);
  });
  it('refuses an intermediate that names itself as parent', () => {
    expect(() =>
      planSpecOf('loop', { type: 'intermediate', parentRef: { name: 'loop' }, subject: { commonName: 'x' } }),
    ).toThrow(expect.objectContaining({ reason: 'InvalidSpec' }));
    expect(() =>
      planSpecOf('loop', { type: 'intermediate', parentRef: { name: 'loop' }, subject: { commonName: 'x' } }),
    ).toThrow(TerminalError);
  });
});

describe('CRL refresh', () => {
  const crl = { keyId: 'k1', thisUpdate: now, nextUpdate: at(7 * DAY), signedBy: 'a' };
  it('is due halfway through the CRL validity', () => {
    expect(crlRefreshAt(crl)).toEqual(at(3.5 * DAY));
    expect(crlRefreshDue({ ...crl, der: Buffer.alloc(0), crlNumber: 1 }, 'a', at(3.5 * DAY - 1))).toBe(false);
    expect(crlRefreshDue({ ...crl, der: Buffer.alloc(0), crlNumber: 1 }, 'a', at(3.5 * DAY))).toBe(true);
  });
  it('is due at once with no CRL, or one signed under another certificate', () => {
    expect(crlRefreshDue(undefined, 'a', now)).toBe(true);
    expect(crlRefreshDue({ ...crl, der: Buffer.alloc(0), crlNumber: 1 }, 'b', now)).toBe(true);
  });
});

describe('planCrls: one CRL per key that still has unexpired certificates', () => {
  const published = (keyId: string, signedBy: string, thisUpdate: Date) => ({
    keyId,
    der: Buffer.alloc(0),
    crlNumber: 1,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + 7 * DAY),
    signedBy,
  });
  const current = { keyId: 'new', fingerprint: 'n1' };
  const old = { keyId: 'old', fingerprint: 'o1' };
  it.each([
    {
      case: 'nothing published yet: the current key publishes',
      live: [current],
      crls: [],
      publish: ['new'],
      drop: [],
      next: undefined,
    },
    {
      case: 'after a rotation the old key keeps its CRL, fresh: nothing to do, refresh at the earliest',
      live: [current, old],
      crls: [published('new', 'n1', now), published('old', 'o1', at(-DAY))],
      publish: [],
      drop: [],
      next: at(2.5 * DAY),
    },
    {
      case: 'the old key CRL is past half its validity: only it is republished',
      live: [current, old],
      crls: [published('new', 'n1', now), published('old', 'o1', at(-4 * DAY))],
      publish: ['old'],
      drop: [],
      next: at(3.5 * DAY),
    },
    {
      case: 'a renewal keeping the key: signed under another certificate, republished',
      live: [{ keyId: 'new', fingerprint: 'n2' }],
      crls: [published('new', 'n1', now)],
      publish: ['new'],
      drop: [],
      next: undefined,
    },
    {
      case: 'the last leaf of the old key expired: its CRL is dropped',
      live: [current],
      crls: [published('new', 'n1', now), published('old', 'o1', now)],
      publish: [],
      drop: ['old'],
      next: at(3.5 * DAY),
    },
    {
      case: 'an old key whose certificate expires before its CRL needs a refresh: look again then',
      live: [current, { ...old, notAfter: at(DAY) }],
      crls: [published('new', 'n1', now), published('old', 'o1', now)],
      publish: [],
      drop: [],
      next: at(DAY),
    },
    {
      case: 'an old key with live leaves but no CRL (stored before per-key CRLs) publishes one',
      live: [current, old],
      crls: [published('new', 'n1', now)],
      publish: ['old'],
      drop: [],
      next: at(3.5 * DAY),
    },
  ])('$case', ({ live, crls, publish, drop, next }) => {
    const plan = planCrls(live, crls, now);
    expect(plan.publish.map((key) => key.keyId)).toEqual(publish);
    expect(plan.drop).toEqual(drop);
    expect(plan.nextRefresh).toEqual(next);
  });
});

describe('serials and reasons from operators', () => {
  it.each([
    ['0A:1B:2C', '0a1b2c'],
    ['0a1b2c', '0a1b2c'],
    ['A1B2C', '0a1b2c'],
    ['00ff', 'ff'],
    [' 7f 01 ', '7f01'],
  ])('%s is read as %s', (input, expected) => {
    expect(normalizeSerial(input)).toBe(expected);
  });
  it.each([['xyz'], ['00'], [''], [42], ['a'.repeat(42)]])('%j is refused', (input) => {
    expect(() => normalizeSerial(input)).toThrow(InvalidError);
  });
  it('reasons are RFC 5280 names; unspecified by default; removeFromCRL is refused', () => {
    expect(parseRevocationReason(undefined)).toBe('unspecified');
    expect(parseRevocationReason('keyCompromise')).toBe('keyCompromise');
    expect(() => parseRevocationReason('removeFromCRL')).toThrow(/unknown revocation reason/);
    expect(() => parseRevocationReason('lost')).toThrow(InvalidError);
  });
});

describe('parseLeafRequest', () => {
  it('reads a minimal request with the client profile by default', () => {
    expect(parseLeafRequest({ publicKey: 'PEM', subject: { commonName: 'svc' } })).toMatchObject({
      publicKey: 'PEM',
      subject: { commonName: 'svc' },
      profile: 'client',
      validityMs: undefined,
    });
    expect(
      parseLeafRequest({ csr: 'PEM', subject: { commonName: 'svc' }, validity: '720h' }).validityMs,
    ).toBe(720 * HOUR);
  });
  it('reports every problem at once, with pointers', () => {
    try {
      parseLeafRequest({
        csr: 'a',
        publicKey: 'b',
        subject: { commonName: '', title: 'x' },
        subjectAltNames: { emails: ['not an email'] },
        profile: 'root',
        validity: 'forever',
        owner: { kind: 'device' },
        extra: 1,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidError);
      expect((error as InvalidError).problems.map((problem) => problem.pointer).sort()).toEqual([
        '',
        '/extra',
        '/owner',
        '/profile',
        '/subject/commonName',
        '/subject/title',
        '/subjectAltNames/emails/0',
        '/validity',
      ]);
    }
  });
});

describe('device identifiers as URI SANs', () => {
  it.each([
    ['tpm', 'urn:ek:sha256:AbC+/=', 'urn:ek:sha256:AbC+/='],
    ['apple', 'C02XG2JHJG5H', 'urn:steward:device:apple:C02XG2JHJG5H'],
    ['linux', 'machine id/1', 'urn:steward:device:linux:machine%20id%2F1'],
  ])('%s %s → %s', (platform, identifier, uri) => {
    expect(permanentIdentifierUri(platform, identifier)).toBe(uri);
  });
});

describe('paging of the issued list', () => {
  it('takes limits from 1 to 5000 and refuses tokens it did not make', () => {
    expect(pageLimit(undefined)).toBe(500);
    expect(pageLimit('5000')).toBe(5000);
    expect(() => pageLimit('0')).toThrow(BadRequestError);
    expect(() => pageLimit('5001')).toThrow(BadRequestError);
    expect(() => decodeContinue('garbage')).toThrow(/invalid continue token/);
    const token = Buffer.from(JSON.stringify(['2030-01-01T00:00:00.000Z', 'ab'])).toString('base64url');
    expect(decodeContinue(token)).toEqual({ issuedAt: '2030-01-01T00:00:00.000Z', serial: 'ab' });
  });
});
