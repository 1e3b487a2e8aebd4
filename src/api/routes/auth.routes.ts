import type { CookieSerializeOptions } from '@fastify/cookie';
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticator } from '../../auth/authenticator.js';
import { permissionListing } from '../../auth/permission-listing.js';
import type { Principal } from '../../auth/principal.js';
import { type LoginInput, type PasswordChange, SessionService } from '../../auth/session-service.js';
import type { OperationContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { SESSION_COOKIE } from '../permission.guard.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { ValidBody } from '../valid-body.js';
import { EMPTY_BODY, LOGIN_BODY, PASSWORD_CHANGE_BODY } from './identity-bodies.js';

export const CSRF_COOKIE = 'steward_csrf';
/** Whether cookies get `Secure`: set by the HTTP module from STEWARD_PUBLIC_URL. */
export const SECURE_COOKIES = Symbol('SECURE_COOKIES');

/** The principal behind an authenticated request (sessions and keys alike). */
export function principalOf(context: OperationContext): Principal {
  const principal = (context as OperationContext & { principal?: Principal }).principal;
  if (!principal) throw new BadRequestError('this route needs a credential');
  return principal;
}

/**
 * The session and CSRF cookies' attributes: site-wide, never sent cross-site, `Secure` when the
 * public URL is https or the request came over TLS; only the session cookie is hidden from scripts
 * (the page reads the CSRF cookie to send it back in X-CSRF-Token).
 */
function cookieOptions(secure: boolean, httpOnly: boolean, maxAge: number): CookieSerializeOptions {
  return { path: '/', maxAge, sameSite: 'strict', httpOnly, secure };
}

/** Sessions: login, logout, who am I, the permission catalogue, change my password. */
@Controller('api/v1/auth')
export class AuthRoutes {
  constructor(
    private readonly sessions: SessionService,
    @Inject(SECURE_COOKIES) private readonly secure: boolean,
    private readonly authenticator: Authenticator,
  ) {}

  /**
   * Opens a session: an httpOnly SameSite=Strict cookie for browsers (with a readable CSRF cookie
   * whose value must come back in X-CSRF-Token on writes), and the token in the body for the CLI.
   */
  @Post('login')
  @HttpCode(200)
  @Permission('public')
  async login(
    @ValidBody(LOGIN_BODY) body: LoginInput,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.sessions.login(body, {
      requestId: String(request.id),
      source: request.ip,
    });
    const secure = this.secureFor(request);
    reply.setCookie(SESSION_COOKIE, result.sessionToken, cookieOptions(secure, true, result.lifetimeSeconds));
    reply.setCookie(CSRF_COOKIE, result.csrfToken, cookieOptions(secure, false, result.lifetimeSeconds));
    reply.header('cache-control', 'no-store');
    return {
      user: result.principal.username,
      tenant: result.principal.tenant,
      role: result.principal.role,
      expiresAt: result.expiresAt,
      sessionToken: result.sessionToken,
      csrfToken: result.csrfToken,
    };
  }

  @Post('logout')
  @HttpCode(204)
  @Permission('session')
  async logout(
    @Ctx() context: OperationContext,
    @ValidBody(EMPTY_BODY) _body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logout(context, principalOf(context));
    // Expired with the path and flags they were set with, so that the browser replaces them.
    const secure = this.secureFor(request);
    reply.setCookie(SESSION_COOKIE, '', cookieOptions(secure, true, 0));
    reply.setCookie(CSRF_COOKIE, '', cookieOptions(secure, false, 0));
  }

  private secureFor(request: FastifyRequest): boolean {
    return this.secure || request.protocol === 'https';
  }

  @Get('me')
  @Permission('authenticated')
  me(@Ctx() context: OperationContext) {
    const principal = principalOf(context);
    return {
      user: principal.username,
      tenant: principal.tenant,
      role: principal.role,
      permissions: [...principal.permissions].sort(),
      credential: {
        type: principal.credential.type,
        id: principal.credential.id,
        name: principal.credential.name,
        ...(principal.credential.keyType ? { keyType: principal.credential.keyType } : {}),
        expiresAt: principal.credential.expiresAt,
      },
    };
  }

  /**
   * The permission catalogue of this tenant: every permission, what it allows, the roles holding
   * it, whether an API key may carry it. Any credential may read it (it is the same for everyone
   * in the tenant and says nothing of its resources); what the caller holds is `me`'s.
   */
  @Get('permissions')
  @Permission('authenticated')
  permissions(@Ctx() context: OperationContext) {
    return permissionListing(this.authenticator.permissions, context.tenant);
  }

  @Post('password')
  @HttpCode(204)
  @Permission('session')
  async password(
    @Ctx() context: OperationContext,
    @ValidBody(PASSWORD_CHANGE_BODY) body: PasswordChange,
  ): Promise<void> {
    await this.sessions.changePassword(context, principalOf(context), body);
  }
}
