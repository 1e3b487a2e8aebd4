import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_REASONS } from '../../src/federation/reasons.js';
import { InMemoryReplayGuard } from '../../src/federation/replay-guard.js';
import { type TokenExpectations, verifyOidcToken } from '../../src/federation/verify-token.js';
import {
  AUDIENCE,
  ISSUER,
  jobClaims,
  makeIssuer,
  NOW,
  sign,
  type TestIssuer,
  tamper,
  unsecured,
} from './token-fixtures.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await makeIssuer();
});

function expectations(overrides: Partial<TokenExpectations> = {}): TokenExpectations {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    keyFor: issuer.keyFor,
    replayGuard: new InMemoryReplayGuard({ now: () => NOW * 1000 }),
    now: () => NOW * 1000,
    ...overrides,
  };
}

const rsaSigned = (claims: Record<string, unknown>) => sign(issuer.rsa.privateKey, claims);

describe('verifyOidcToken', () => {
  it('accepts a valid RS256 job token and returns its claims', async () => {
    const verdict = await verifyOidcToken(await rsaSigned(jobClaims()), expectations());
    expect(verdict).toMatchObject({
      ok: true,
      kid: 'rsa-1',
      alg: 'RS256',
      claims: { repository: 'acme/infra' },
    });
  });

  it('accepts an ES256 token and a single audience given as a one-element array', async () => {
    const token = await sign(issuer.ec.privateKey, jobClaims({ aud: [AUDIENCE] }), {
      alg: 'ES256',
      kid: 'ec-1',
    });
    expect(await verifyOidcToken(token, expectations())).toMatchObject({ ok: true });
  });

  const refusals: {
    name: string;
    token: () => Promise<string> | string;
    expectations?: () => Partial<TokenExpectations>;
    reason: string;
    check: string;
    message: RegExp;
  }[] = [
    {
      name: 'a token that is not three parts is malformed',
      token: () => 'not-a-token',
      reason: TOKEN_REASONS.malformed,
      check: 'format',
      message: /compact JWS/,
    },
    {
      name: 'alg none built by hand is not allowed',
      token: () => unsecured(jobClaims()),
      reason: TOKEN_REASONS.algorithmNotAllowed,
      check: 'signature',
      message: /algorithm "none" is not allowed; want one of RS256/,
    },
    {
      name: 'HS256 signed with the public key PEM as its secret is not allowed',
      token: () =>
        sign(new TextEncoder().encode(issuer.rsaPublicPem), jobClaims(), { alg: 'HS256', kid: 'rsa-1' }),
      reason: TOKEN_REASONS.algorithmNotAllowed,
      check: 'signature',
      message: /algorithm "HS256" is not allowed/,
    },
    {
      name: 'a token without kid names no key',
      token: () => sign(issuer.rsa.privateKey, jobClaims(), { alg: 'RS256' }),
      reason: TOKEN_REASONS.unknownKey,
      check: 'signature',
      message: /no kid/,
    },
    {
      name: 'a kid the issuer does not hold is an unknown key',
      token: () => sign(issuer.rsa.privateKey, jobClaims(), { alg: 'RS256', kid: 'rotated-away' }),
      reason: TOKEN_REASONS.unknownKey,
      check: 'signature',
      message: /no RS256 key with kid "rotated-away"/,
    },
    {
      name: 'an ES256 token naming the RSA key cannot be verified by that key',
      token: () => sign(issuer.ec.privateKey, jobClaims(), { alg: 'ES256', kid: 'rsa-1' }),
      reason: TOKEN_REASONS.keyUnusable,
      check: 'signature',
      message: /key "rsa-1" cannot verify ES256/,
    },
    {
      name: 'a tampered payload fails the signature',
      token: async () => tamper(await rsaSigned(jobClaims()), jobClaims({ repository: 'acme/prod' })),
      reason: TOKEN_REASONS.badSignature,
      check: 'signature',
      message: /does not verify with RS256 key "rsa-1"/,
    },
    {
      name: 'a token signed by another key with the same kid fails the signature',
      token: async () => {
        const { privateKey } = await import('jose').then((jose) => jose.generateKeyPair('RS256'));
        return sign(privateKey, jobClaims());
      },
      reason: TOKEN_REASONS.badSignature,
      check: 'signature',
      message: /does not verify/,
    },
    {
      name: 'a signed payload that is not a JSON object is malformed',
      token: () =>
        import('jose').then((jose) =>
          new jose.CompactSign(new TextEncoder().encode('[1,2]'))
            .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
            .sign(issuer.rsa.privateKey),
        ),
      reason: TOKEN_REASONS.malformed,
      check: 'format',
      message: /payload is not a JSON object/,
    },
    {
      name: 'a critical header extension this server does not know is malformed',
      token: () =>
        import('jose').then((jose) =>
          new jose.CompactSign(new TextEncoder().encode(JSON.stringify(jobClaims())))
            .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', crit: ['x-unknown'], 'x-unknown': true })
            .sign(issuer.rsa.privateKey, { crit: { 'x-unknown': true } }),
        ),
      reason: TOKEN_REASONS.malformed,
      check: 'format',
      message: /not a JWS this server accepts/,
    },
    {
      name: 'another issuer is refused, compared exactly',
      token: () => rsaSigned(jobClaims({ iss: `${ISSUER}/` })),
      reason: TOKEN_REASONS.issuerMismatch,
      check: 'issuer',
      message:
        /issuer: want "https:\/\/token.actions.githubusercontent.com", got "https:\/\/token.actions.githubusercontent.com\/"/,
    },
    {
      name: 'a token without iss is refused',
      token: () => rsaSigned(jobClaims({ iss: undefined })),
      reason: TOKEN_REASONS.issuerMismatch,
      check: 'issuer',
      message: /got none/,
    },
    {
      name: 'another audience is refused',
      token: () => rsaSigned(jobClaims({ aud: 'other.steward.example.com' })),
      reason: TOKEN_REASONS.audienceMismatch,
      check: 'audience',
      message: /audience: want "acme.steward.example.com", got "other.steward.example.com"/,
    },
    {
      name: 'a token without aud is refused',
      token: () => rsaSigned(jobClaims({ aud: undefined })),
      reason: TOKEN_REASONS.audienceMismatch,
      check: 'audience',
      message: /got none/,
    },
    {
      name: 'several audiences are refused even when one is ours',
      token: () => rsaSigned(jobClaims({ aud: [AUDIENCE, 'sts.amazonaws.com'] })),
      reason: TOKEN_REASONS.multipleAudiences,
      check: 'audience',
      message: /want exactly "acme.steward.example.com", got 2 audiences/,
    },
    {
      name: 'a token without exp is refused',
      token: () => rsaSigned(jobClaims({ exp: undefined })),
      reason: TOKEN_REASONS.missingClaim,
      check: 'lifetime',
      message: /exp: want a NumericDate, got none/,
    },
    {
      name: 'a token without iat is refused',
      token: () => rsaSigned(jobClaims({ iat: undefined })),
      reason: TOKEN_REASONS.missingClaim,
      check: 'lifetime',
      message: /iat: want a NumericDate/,
    },
    {
      name: 'a token expired 31 s ago is expired (leeway 30 s)',
      token: () => rsaSigned(jobClaims({ iat: NOW - 400, nbf: NOW - 400, exp: NOW - 31 })),
      reason: TOKEN_REASONS.expired,
      check: 'lifetime',
      message: /expired at 2026-12-04T08:59:29.000Z, 31 s ago \(leeway 30 s\)/,
    },
    {
      name: 'a token not valid for another 31 s is not yet valid',
      token: () => rsaSigned(jobClaims({ nbf: NOW + 31, iat: NOW })),
      reason: TOKEN_REASONS.notYetValid,
      check: 'lifetime',
      message: /not valid before .*, 31 s from now/,
    },
    {
      name: 'a token issued 31 s in the future is refused',
      token: () => rsaSigned(jobClaims({ iat: NOW + 31, nbf: undefined })),
      reason: TOKEN_REASONS.issuedInFuture,
      check: 'lifetime',
      message: /issued at .*, 31 s in the future/,
    },
    {
      name: 'a token without jti is refused',
      token: () => rsaSigned(jobClaims({ jti: undefined })),
      reason: TOKEN_REASONS.missingClaim,
      check: 'replay',
      message: /jti: want a token id/,
    },
    {
      name: 'pull_request_target is refused without opt-in',
      token: () => rsaSigned(jobClaims({ event_name: 'pull_request_target' })),
      reason: TOKEN_REASONS.eventNotAllowed,
      check: 'event',
      message: /pull_request_target is refused/,
    },
    {
      name: 'a replay guard that cannot answer refuses the token',
      token: () => rsaSigned(jobClaims()),
      expectations: () => ({
        replayGuard: { remember: () => Promise.reject(new Error('database is locked')) },
      }),
      reason: TOKEN_REASONS.replayCheckUnavailable,
      check: 'replay',
      message: /cannot record token id/,
    },
  ];

  it.each(refusals)('$name', async ({ token, expectations: extra, reason, check, message }) => {
    const verdict = await verifyOidcToken(await token(), expectations(extra?.() ?? {}));
    expect(verdict).toMatchObject({ ok: false, reason, check });
    if (verdict.ok) return;
    expect(verdict.message).toMatch(message);
  });

  it('tolerates 29 s past exp and 29 s ahead for nbf and iat (leeway 30 s)', async () => {
    const late = await rsaSigned(jobClaims({ iat: NOW - 300, nbf: NOW - 300, exp: NOW - 29, jti: 'late' }));
    const early = await rsaSigned(jobClaims({ iat: NOW + 29, nbf: NOW + 29, jti: 'early' }));
    const expect_ = expectations();
    expect(await verifyOidcToken(late, expect_)).toMatchObject({ ok: true });
    expect(await verifyOidcToken(early, expect_)).toMatchObject({ ok: true });
  });

  it('refuses a replayed jti and keeps it until exp plus leeway', async () => {
    let now = NOW * 1000;
    const guard = new InMemoryReplayGuard({ now: () => now });
    const token = await rsaSigned(jobClaims());
    const expect_ = expectations({ replayGuard: guard, now: () => now });
    expect(await verifyOidcToken(token, expect_)).toMatchObject({ ok: true });
    const replay = await verifyOidcToken(token, expect_);
    expect(replay).toMatchObject({ ok: false, reason: TOKEN_REASONS.replayed, check: 'replay' });
    if (!replay.ok)
      expect(replay.message).toContain('"c1f8a2d0-6a0c-4d55-9a43-3b8f2c1e0a77" was already exchanged');
    now = (NOW + 240 + 29) * 1000;
    expect(await verifyOidcToken(token, expect_)).toMatchObject({ reason: TOKEN_REASONS.replayed });
    now = (NOW + 240 + 30) * 1000;
    // By then the token itself has expired: the guard forgot it only once it cannot pass anyway.
    expect(await verifyOidcToken(token, expect_)).toMatchObject({ reason: TOKEN_REASONS.expired });
  });

  it('accepts pull_request_target when the caller opts in', async () => {
    const token = await rsaSigned(jobClaims({ event_name: 'pull_request_target' }));
    expect(await verifyOidcToken(token, expectations({ allowPullRequestTarget: true }))).toMatchObject({
      ok: true,
    });
  });

  it('checks in the documented order: a token wrong everywhere fails on its algorithm first', async () => {
    const token = unsecured(
      jobClaims({ iss: 'x', aud: ['a', 'b'], exp: 1, event_name: 'pull_request_target' }),
    );
    expect(await verifyOidcToken(token, expectations())).toMatchObject({
      reason: TOKEN_REASONS.algorithmNotAllowed,
    });
    const signed = await rsaSigned(jobClaims({ iss: 'x', aud: ['a', 'b'], exp: 1 }));
    expect(await verifyOidcToken(signed, expectations())).toMatchObject({
      reason: TOKEN_REASONS.issuerMismatch,
    });
    const rightIssuer = await rsaSigned(jobClaims({ aud: ['a', 'b'], exp: 1 }));
    expect(await verifyOidcToken(rightIssuer, expectations())).toMatchObject({
      reason: TOKEN_REASONS.multipleAudiences,
    });
  });

  it('never echoes the token or its signature in a message', async () => {
    const token = tamper(await rsaSigned(jobClaims()), jobClaims({ repository: 'acme/prod' }));
    const verdict = await verifyOidcToken(token, expectations());
    const [header, payload, signature] = token.split('.');
    for (const part of [header, payload, signature]) expect(JSON.stringify(verdict)).not.toContain(part);
  });

  it('does not consult the key lookup for a refused algorithm', async () => {
    let lookups = 0;
    const keyFor: TokenExpectations['keyFor'] = async (kid, alg) => {
      lookups++;
      return issuer.keyFor(kid, alg);
    };
    await verifyOidcToken(unsecured(jobClaims()), expectations({ keyFor }));
    expect(lookups).toBe(0);
  });
});

describe('verifyOidcToken with keys as a JWKS holds them', () => {
  it('verifies with a public JWK, as the JWKS cache returns, for PS256 and EdDSA', async () => {
    const { exportJWK, generateKeyPair } = await import('jose');
    for (const alg of ['PS256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(pair.publicKey)), alg, kid: 'jwk-1' };
      const token = await sign(pair.privateKey, jobClaims({ jti: alg }), { alg, kid: 'jwk-1' });
      const verdict = await verifyOidcToken(token, expectations({ keyFor: async () => jwk }));
      expect(verdict).toMatchObject({ ok: true, alg });
    }
  });

  it('refuses a JWK whose own alg differs from the token header as unusable', async () => {
    const { exportJWK, generateKeyPair } = await import('jose');
    const pair = await generateKeyPair('PS256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'RS256', kid: 'jwk-1' };
    const token = await sign(pair.privateKey, jobClaims(), { alg: 'PS256', kid: 'jwk-1' });
    expect(await verifyOidcToken(token, expectations({ keyFor: async () => jwk }))).toMatchObject({
      ok: false,
      reason: TOKEN_REASONS.keyUnusable,
    });
  });
});
