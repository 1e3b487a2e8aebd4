import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PersonalTokenInput } from '../../auth/token-service.js';
import type { OperationContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { githubActionsSnippet } from '../../federation/snippet.js';
import { bodySchema } from '../../schema/request-body.js';
import type { FederationServices } from '../../trust/federation-services.js';
import type { ExchangeResult } from '../../trust/oidc-exchange.js';
import { audienceOf } from '../../trust/token-audience.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { principalOf } from './auth.routes.js';

export const FEDERATION = Symbol('FEDERATION');
export const PUBLIC_URL = Symbol('PUBLIC_URL');

/** A JWT is at most 16 KiB here (GitHub's are about 1 KiB). */
const JWT = { type: 'string', minLength: 1, maxLength: 16 * 1024, description: 'A compact JWS.' };

export const EXCHANGE_BODY = bodySchema<{ token: string }>({
  type: 'object',
  description: 'The token to exchange.',
  properties: { token: JWT },
  required: ['token'],
  additionalProperties: false,
});

export const EXPLAIN_BODY = bodySchema<{ claims?: Record<string, unknown>; token?: string }>({
  type: 'object',
  description:
    'A claim set, or a token whose claims are read (its signature is checked when the issuer can be reached).',
  properties: {
    claims: {
      type: 'object',
      maxProperties: 100,
      description: 'OIDC claims, as a CI job token carries them.',
    },
    token: JWT,
  },
  oneOf: [{ required: ['claims'] }, { required: ['token'] }],
  errorMessage: 'must give claims or token (one of them)',
  additionalProperties: false,
});

export const PERSONAL_TOKEN_BODY = bodySchema<PersonalTokenInput>({
  type: 'object',
  description: 'A short-lived token for the logged-in user.',
  properties: {
    ttlSeconds: {
      type: 'integer',
      minimum: 60,
      maximum: 12 * 3600,
      description: 'Lifetime; default 3600, at most 12 hours.',
    },
    permissions: {
      type: 'array',
      maxItems: 200,
      uniqueItems: true,
      items: { type: 'string', maxLength: 64 },
      description:
        "Permissions the token carries, among the user's; default all of them but the session-only ones.",
    },
    description: { type: 'string', minLength: 1, maxLength: 63, description: 'What the token is for.' },
  },
  additionalProperties: false,
});

/** The answer of an exchange: the token once, its id, lifetime, policy and permissions. */
function exchanged(result: ExchangeResult) {
  return {
    token: result.token,
    tokenType: 'Bearer',
    id: result.id,
    expiresAt: result.expiresAt,
    expiresIn: result.lifetimeSeconds,
    policy: result.policy,
    permissions: result.permissions,
  };
}

/** Answers a minted token once; never cached by anything between. */
function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

/**
 * The token exchanges (public: the token presented is the credential), the tenant's audience and
 * workflow snippet, and the caller's short-lived tokens (session only, like keys).
 */
@Controller('api/v1/auth')
export class FederationRoutes {
  constructor(
    @Inject(FEDERATION) private readonly federation: FederationServices,
    @Inject(PUBLIC_URL) private readonly publicUrl: string,
  ) {}

  @Post('oidc/token')
  @HttpCode(200)
  @Permission('public')
  async oidcToken(
    @ValidBody(EXCHANGE_BODY) body: { token: string },
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.exchange('oidc', body, request, reply);
  }

  /** A client certificate's x5c JWT for a token (a Ready `type: x509` policy's anchors and subject rules). */
  @Post('x5c/token')
  @HttpCode(200)
  @Permission('public')
  async x5cToken(
    @ValidBody(EXCHANGE_BODY) body: { token: string },
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.exchange('x5c', body, request, reply);
  }

  /** Either exchange: the presented token for a minted one, answered once and never cached. */
  private async exchange(
    which: 'oidc' | 'x5c',
    body: { token: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const result = await this.federation[which].exchange(body.token, {
      requestId: String(request.id),
      source: request.ip,
    });
    noStore(reply);
    return exchanged(result);
  }

  /** The caller's tenant audience and a workflow that exchanges a job's token (for one policy, or generic). */
  @Get('oidc')
  @Permission('trustpolicies:read')
  async oidc(@Ctx() context: OperationContext, @Query('policy') policyName?: string) {
    const audience = audienceOf(context.tenant, this.federation.settings.publicHost);
    let policy: { name: string; claims: Record<string, string>; permissions: string[] } | undefined;
    if (policyName !== undefined) {
      const found = (await this.federation.directory.policies(context.tenant)).find(
        (entry) => entry.name === policyName && entry.type === 'oidc',
      );
      if (!found) throw new NotFoundError(`trustpolicies "${policyName}" (type oidc) not found`);
      policy = {
        name: found.name,
        claims: found.rules as Record<string, string>,
        permissions: found.permissions,
      };
    }
    return {
      audience,
      tokenUrl: `${this.publicUrl}/api/v1/auth/oidc/token`,
      snippet: githubActionsSnippet({ serverUrl: this.publicUrl, tenant: context.tenant, audience, policy }),
    };
  }

  @Post('tokens')
  @HttpCode(201)
  @Permission('session')
  async createToken(
    @Ctx() context: OperationContext,
    @ValidBody(PERSONAL_TOKEN_BODY) body: PersonalTokenInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.federation.tokens.createPersonal(context, principalOf(context), body ?? {});
    noStore(reply);
    return created;
  }

  @Get('tokens')
  @Permission('session')
  async listTokens(@Ctx() context: OperationContext) {
    return { items: await this.federation.tokens.list(context, principalOf(context)) };
  }

  @Delete('tokens/:id')
  @Permission('session')
  revokeToken(@Ctx() context: OperationContext, @Param('id') id: string) {
    return this.federation.tokens.revoke(context, principalOf(context), id);
  }
}

/** Explain: which TrustPolicy an exchange would pick for these claims, and why not the others. */
@Controller('api/v1/trustpolicies')
export class TrustPolicyExplainRoutes {
  constructor(@Inject(FEDERATION) private readonly federation: FederationServices) {}

  @Post('explain')
  @HttpCode(200)
  @Permission('trustpolicies:read')
  explain(
    @Ctx() context: OperationContext,
    @ValidBody(EXPLAIN_BODY) body: { claims?: Record<string, unknown>; token?: string },
  ) {
    return this.federation.explainer.explain(context.tenant, body);
  }
}
