import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

function cookie(
  name: string,
  value: string,
  options: { httpOnly: boolean; secure: boolean; maxAge: number },
): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${options.maxAge}`,
    'SameSite=Strict',
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

/** Sessions: login, logout, who am I, change my password. */
@Controller('api/v1/auth')
export class AuthRoutes {
  constructor(
    private readonly sessions: SessionService,
    @Inject(SECURE_COOKIES) private readonly secure: boolean,
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
    const secure = this.secure || request.protocol === 'https';
    const maxAge = Math.max(0, Math.floor((Date.parse(result.expiresAt) - Date.now()) / 1000));
    reply.header('set-cookie', [
      cookie(SESSION_COOKIE, result.sessionToken, { httpOnly: true, secure, maxAge }),
      cookie(CSRF_COOKIE, result.csrfToken, { httpOnly: false, secure, maxAge }),
    ]);
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
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logout(context, principalOf(context));
    reply.header('set-cookie', [
      cookie(SESSION_COOKIE, '', { httpOnly: true, secure: this.secure, maxAge: 0 }),
      cookie(CSRF_COOKIE, '', { httpOnly: false, secure: this.secure, maxAge: 0 }),
    ]);
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
