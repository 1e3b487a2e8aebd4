import {
  EXCHANGE_BODY,
  EXPLAIN_BODY,
  FederationRoutes,
  PERSONAL_TOKEN_BODY,
  TrustPolicyExplainRoutes,
} from '../../routes/federation.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { described, INTEGER, object, STRING, TIME } from '../schema-builders.js';

const BOOLEAN: JsonSchema = { type: 'boolean' };

/* The OpenAPI shapes and operations of the token exchanges, explain and short-lived tokens (docs/federation.md). */

const STRINGS = { type: 'array', items: STRING };

const tokenView = {
  id: STRING,
  type: { enum: ['oidc', 'x509', 'personal'] },
  name: described(STRING, "A personal token's description, an exchanged token's TrustPolicy."),
  subject: { type: ['string', 'null'], description: 'OIDC `sub` or certificate subject it was minted for.' },
  user: { type: ['string', 'null'], description: 'The owner of a personal token.' },
  permissions: STRINGS,
  createdAt: TIME,
  expiresAt: TIME,
};

export const FEDERATION_SHAPES: Record<string, JsonSchema> = {
  ExchangedToken: object(
    {
      token: described(
        STRING,
        'The Steward token (`stt_…`), shown once: send it as `Authorization: Bearer`.',
      ),
      tokenType: { const: 'Bearer' },
      id: described(STRING, 'Its id, journaled with the exchange and every request made with it.'),
      expiresAt: TIME,
      expiresIn: described(
        INTEGER,
        'Seconds until it expires: min(policy maxSessionSeconds, server default), at most 3600.',
      ),
      policy: described(STRING, 'The TrustPolicy that matched.'),
      permissions: STRINGS,
    },
    ['token', 'tokenType', 'id', 'expiresAt', 'expiresIn', 'policy', 'permissions'],
  ),
  OidcAudience: object(
    {
      audience: described(
        STRING,
        "The tenant's audience `<tenant>.<STEWARD_PUBLIC_HOST>`: request the job's token with it.",
      ),
      tokenUrl: STRING,
      snippet: described(
        STRING,
        'A complete GitHub Actions workflow (YAML) that exchanges the job token and runs steward.',
      ),
    },
    ['audience', 'tokenUrl', 'snippet'],
  ),
  Token: object(
    tokenView,
    ['id', 'type', 'name', 'permissions', 'createdAt', 'expiresAt'],
    'A minted token as listed: never its secret.',
  ),
  CreatedToken: object(
    { ...tokenView, token: described(STRING, 'The token (`stt_…`), shown once.'), lifetimeSeconds: INTEGER },
    ['token', 'id', 'type', 'expiresAt', 'permissions'],
  ),
  TokenList: object({ items: { type: 'array', items: ref('Token') } }, ['items']),
  TrustPolicyExplanation: object(
    {
      tokenChecks: {
        type: 'array',
        description:
          "A token's checks in the exchange's order, up to the first that fails (only for a token).",
        items: object(
          {
            check: { enum: ['format', 'signature', 'issuer', 'audience', 'lifetime', 'replay', 'event'] },
            ok: {
              type: ['boolean', 'null'],
              description: 'null: not checked (the issuer cannot be reached).',
            },
            reason: STRING,
            message: STRING,
          },
          ['check', 'ok'],
        ),
      },
      claims: { type: 'object', description: 'The claims examined.' },
      policies: {
        type: 'array',
        items: object(
          {
            name: STRING,
            position: described(INTEGER, 'Order an exchange tries it in (most specific first).'),
            ready: BOOLEAN,
            readyMessage: STRING,
            issuer: STRING,
            issuerMatches: BOOLEAN,
            matched: STRINGS,
            mismatched: {
              type: 'array',
              items: object({ rule: STRING, want: STRING, got: STRING }, ['rule', 'want']),
            },
            wildcards: STRINGS,
            differences: STRINGS,
          },
          ['name', 'position', 'ready', 'matched', 'mismatched', 'wildcards'],
        ),
      },
      chosen: { type: ['string', 'null'], description: 'The policy an exchange would pick.' },
      message: STRING,
    },
    ['claims', 'policies', 'chosen', 'message'],
  ),
};

export const FEDERATION_OPERATIONS: Array<[string, OperationEntry]> = [
  route(FederationRoutes, 'oidcToken', {
    tag: 'Federation',
    summary: "Exchange a CI job's OIDC token for a short-lived Steward token",
    description:
      "No credential: the token is one. Checked in order (signature with an algorithm allowlist, iss, aud = `<tenant>.<host>`, exp/nbf/iat with 30 s leeway, jti not replayed, pull_request_target refused unless opted in), then the first Ready TrustPolicy whose claim rules all match mints a token. A refusal is a 401 whose `reason` names the failed check (`AudienceMismatch`, `Replayed`, `NoPolicyMatched`…) and whose message says what was wanted and got; `NoPolicyMatched` names the closest policy and each differing rule. 503 when the issuer's keys cannot be had.",
    request: { description: 'The job token.', content: json(EXCHANGE_BODY) },
    response: { description: 'The minted token.', content: json(ref('ExchangedToken')) },
    errors: [401, 429, 503],
  }),
  route(FederationRoutes, 'x5cToken', {
    tag: 'Federation',
    summary: 'Exchange a client certificate (an x5c JWT) for a short-lived Steward token',
    description:
      "No credential: the JWT, signed with the certificate's key and carrying the chain in its `x5c` header (as `step` makes them), is one. Its chain must lead to the anchors of a Ready `type: x509` TrustPolicy (revocation looked up when the anchor is a Steward CA), the certificate be valid and for clientAuth, `aud` be `<tenant>.<host>`, the JWT live at most 5 minutes and its `jti` be new, and the policy's subject rules hold. Refusals are 401s whose `reason` names the failed check.",
    request: { description: 'The x5c JWT.', content: json(EXCHANGE_BODY) },
    response: { description: 'The minted token.', content: json(ref('ExchangedToken')) },
    errors: [401, 429],
  }),
  route(FederationRoutes, 'oidc', {
    tag: 'Federation',
    summary: "The tenant's OIDC audience and a ready-to-paste GitHub Actions workflow",
    query: [
      {
        name: 'policy',
        description: "Tailor the workflow to this TrustPolicy's claims (branch, environment).",
      },
    ],
    response: { description: 'Audience, exchange URL and workflow.', content: json(ref('OidcAudience')) },
  }),
  route(FederationRoutes, 'createToken', {
    tag: 'Federation',
    summary: 'Create a short-lived personal token (session only)',
    description:
      "At most 12 hours; its permissions are the user's (or a subset), never the session-only ones, and follow the user's role.",
    request: { description: 'Lifetime and permissions.', content: json(PERSONAL_TOKEN_BODY) },
    response: { description: 'The token, shown once.', content: json(ref('CreatedToken')) },
    errors: [422],
  }),
  route(FederationRoutes, 'listTokens', {
    tag: 'Federation',
    summary: 'Live short-lived tokens: mine, or with keys:admin every one of the tenant',
    response: { description: 'Tokens, oldest first; never a secret.', content: json(ref('TokenList')) },
  }),
  route(FederationRoutes, 'revokeToken', {
    tag: 'Federation',
    summary: 'Revoke a short-lived token (its owner, or an admin)',
    description: 'Acts on the next request made with it.',
    params: { id: 'The token id.' },
    response: { description: 'The revoked token.', content: json(ref('Token')) },
  }),
  route(TrustPolicyExplainRoutes, 'explain', {
    tag: 'Federation',
    summary: 'Explain which TrustPolicy an exchange would pick for these claims, and why not the others',
    description:
      'For a token: its checks as the exchange runs them (the signature when the issuer can be reached; its id looked up, never used up). For every OIDC policy of the tenant: the rules that matched, those that did not (`want`, `got`) and the wildcards.',
    request: { description: 'Claims or a token.', content: json(EXPLAIN_BODY) },
    response: { description: 'The explanation.', content: json(ref('TrustPolicyExplanation')) },
  }),
];
