/**
 * How the token exchanges refuse: a TokenRefusedError whose reason names the failed check, and
 * an `auth.exchange` entry `refused` in the tenant's journal when the token named a tenant that
 * exists (never the token). Refusals are counted per source address: past the limit the caller
 * gets 429 before costing a verification or a journal write.
 */
import type { Authenticator } from '../auth/authenticator.js';
import { tooManyFailures } from '../auth/authenticator.js';
import { FailureLimiter } from '../auth/rate-limit.js';
import { TokenRefusedError } from '../errors.js';
import type { Database } from '../store/database.js';

export interface RefusalRequest {
  requestId: string;
  source?: string;
}

export class ExchangeRefusals {
  readonly failures: FailureLimiter;
  /** Tenants known to exist (they are never renamed; a deleted one only costs a failed append). */
  private readonly tenants = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly authenticator: Authenticator,
    options: { limit?: number; windowMs?: number } = {},
  ) {
    this.failures = new FailureLimiter(options.limit ?? 100, options.windowMs ?? 60_000);
  }

  /** Throws 429 when the source has been refused too often lately. */
  admit(request: RefusalRequest): void {
    const address = request.source ?? 'unknown';
    const wait = this.failures.retryAfter(address);
    if (wait > 0) throw tooManyFailures(`to exchange a token from ${address}`, wait, this.failures);
  }

  async refuse(
    tenant: string | undefined,
    request: RefusalRequest,
    reason: string,
    message: string,
    details: Record<string, unknown> = {},
  ): Promise<never> {
    this.failures.fail(request.source ?? 'unknown');
    if (tenant !== undefined && (await this.tenantExists(tenant)))
      await this.authenticator.record(
        tenant,
        { type: 'anonymous', id: '', name: 'token exchange' },
        request,
        { operation: 'auth.exchange', result: 'refused', reason: `${reason}: ${message}` },
      );
    throw new TokenRefusedError(reason, `token refused: ${message}`, { details: { reason, ...details } });
  }

  private async tenantExists(tenant: string): Promise<boolean> {
    if (this.tenants.has(tenant)) return true;
    const found = await this.db.knex('tenants').where({ name: tenant }).first('name');
    if (found) this.tenants.add(tenant);
    return found !== undefined;
  }
}
