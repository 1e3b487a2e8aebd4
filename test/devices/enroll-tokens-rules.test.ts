import { describe, expect, it } from 'vitest';
import { parseToken } from '../../src/auth/tokens.js';
import type { EnrollTokenRow } from '../../src/devices/device-tables.js';
import {
  enrollTokenView,
  newEnrollToken,
  parseEnrollToken,
  parseRfc3339,
  resolveExpiry,
  tokenRefusal,
} from '../../src/devices/enroll-token-rules.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');

describe('the enrollment token format', () => {
  it('makes stw_enroll_<16 hex>_<43 base64url> tokens that parse back to their id, never as API keys or sessions', () => {
    const { token, id, secretHash } = newEnrollToken();
    expect(token).toMatch(/^stw_enroll_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseEnrollToken(token)).toEqual({ id, secret: token.slice(28) });
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(parseToken(token)).toBeNull();
    expect(newEnrollToken().id).not.toBe(id);
  });

  it.each([
    ['an empty text', ''],
    ['an API key', 'stw_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a session token', 'sts_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['an upper-case id', 'stw_enroll_0123456789ABCDEF_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a short secret', 'stw_enroll_0123456789abcdef_AAAA'],
    ['a trailing newline', 'stw_enroll_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n'],
    ['a megabyte', 'x'.repeat(1 << 20)],
    ['not a string', 42],
  ])('does not parse %s', (_case, text) => {
    expect(parseEnrollToken(text)).toBeNull();
  });
});

describe('tokenRefusal', () => {
  const token = { id: 'abcdef0123456789', expires_at: '2026-06-02T12:00:00.000Z', uses: 0, max_uses: 1 };
  it.each([
    { case: 'an unused token within its time is accepted', change: {}, refusal: undefined },
    {
      case: 'a token at its expiry instant is expired',
      change: { expires_at: NOW.toISOString() },
      refusal: {
        reason: 'Expired',
        message: 'enrollment token abcdef0123456789 expired at 2026-06-01T12:00:00.000Z',
      },
    },
    {
      case: 'a used-up token is refused with its counts',
      change: { uses: 5, max_uses: 5 },
      refusal: { reason: 'UsedUp', message: 'enrollment token abcdef0123456789 has been used 5 of 5 times' },
    },
    {
      case: 'an expired and used-up token is reported expired',
      change: { uses: 1, expires_at: '2026-01-01T00:00:00.000Z' },
      refusal: { reason: 'Expired', message: expect.stringContaining('expired at 2026-01-01') },
    },
    {
      case: 'a multi-use token with uses left is accepted',
      change: { uses: 4, max_uses: 5 },
      refusal: undefined,
    },
  ])('$case', ({ change, refusal }) => {
    expect(tokenRefusal({ ...token, ...change }, NOW)).toEqual(refusal);
  });
});

describe('resolveExpiry', () => {
  it.each([
    { case: 'no expiry means 24h', input: {}, expiresAt: '2026-06-02T12:00:00.000Z' },
    {
      case: 'nulls mean the default too',
      input: { expiresIn: null, expiresAt: null },
      expiresAt: '2026-06-02T12:00:00.000Z',
    },
    {
      case: 'a duration counts from now',
      input: { expiresIn: '1h30m' },
      expiresAt: '2026-06-01T13:30:00.000Z',
    },
    { case: 'a year is allowed', input: { expiresIn: '8760h' }, expiresAt: '2027-06-01T12:00:00.000Z' },
    {
      case: 'a time with an offset is stored in UTC',
      input: { expiresAt: '2026-06-03T12:00:00+02:00' },
      expiresAt: '2026-06-03T10:00:00.000Z',
    },
    {
      case: 'lower-case t and z are RFC 3339 too',
      input: { expiresAt: '2026-06-03t12:00:00z' },
      expiresAt: '2026-06-03T12:00:00.000Z',
    },
  ])('$case', ({ input, expiresAt }) => {
    expect(resolveExpiry(input, NOW)).toEqual({ expiresAt, problems: [] });
  });

  it.each([
    {
      case: 'both given',
      input: { expiresIn: '1h', expiresAt: '2026-06-03T00:00:00Z' },
      pointer: '/expiresIn',
      message: 'give expiresIn or expiresAt, not both',
    },
    {
      case: 'a time in the past',
      input: { expiresAt: '2026-06-01T11:59:59Z' },
      pointer: '/expiresAt',
      message: 'must be in the future (now 2026-06-01T12:00:00.000Z)',
    },
    {
      case: 'now itself',
      input: { expiresAt: '2026-06-01T12:00:00Z' },
      pointer: '/expiresAt',
      message: 'must be in the future (now 2026-06-01T12:00:00.000Z)',
    },
    {
      case: 'more than a year away',
      input: { expiresAt: '2027-06-01T12:00:01Z' },
      pointer: '/expiresAt',
      message: 'must be at most 8760h from now',
    },
    {
      case: 'February 30th',
      input: { expiresAt: '2026-02-30T00:00:00Z' },
      pointer: '/expiresAt',
      message: 'must be a valid RFC 3339 time',
    },
    {
      case: 'hour 24',
      input: { expiresAt: '2026-06-02T24:00:00Z' },
      pointer: '/expiresAt',
      message: 'must be a valid RFC 3339 time',
    },
    {
      case: 'a duration over a year',
      input: { expiresIn: '8761h' },
      pointer: '/expiresIn',
      message: 'must be a duration up to 8760h',
    },
    {
      case: 'a zero duration',
      input: { expiresIn: '0s' },
      pointer: '/expiresIn',
      message: 'must be a duration up to 8760h',
    },
  ])('refuses $case', ({ input, pointer, message }) => {
    expect(resolveExpiry(input, NOW)).toEqual({ problems: [{ pointer, message }] });
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2024-02-29T00:00:00Z', Date.parse('2024-02-29T00:00:00Z')],
    ['2026-02-29T00:00:00Z', undefined],
    ['2026-06-01T12:00:00.123456789Z', Date.parse('2026-06-01T12:00:00.123Z')],
    ['2026-06-01T12:00:60Z', undefined],
    ['2026-06-01T12:00:00+24:00', undefined],
    ['2026-06-01 12:00:00Z', undefined],
    ['2026-06-01T12:00:00', undefined],
  ])('%s → %s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });
});

describe('enrollTokenView', () => {
  it('shows what the token grants and its state, never the secret hash', () => {
    const row: EnrollTokenRow = {
      tenant: 'default',
      id: 'abcdef0123456789',
      secret_hash: 'f'.repeat(64),
      description: 'lab',
      max_uses: 3,
      uses: 1,
      expires_at: '2026-06-01T11:00:00.000Z',
      labels: { team: 'infra' },
      ca_name: 'fleet-issuing',
      approval: 'manual',
      created_by: 'ops',
      created_at: '2026-05-31T11:00:00.000Z',
    };
    const view = enrollTokenView(row, NOW);
    expect(view).toEqual({
      id: 'abcdef0123456789',
      description: 'lab',
      maxUses: 3,
      uses: 1,
      remaining: 2,
      expiresAt: '2026-06-01T11:00:00.000Z',
      expired: true,
      labels: { team: 'infra' },
      caRef: 'fleet-issuing',
      approval: 'manual',
      createdBy: 'ops',
      createdAt: '2026-05-31T11:00:00.000Z',
    });
    expect(JSON.stringify(view)).not.toContain('f'.repeat(64));
  });
});
