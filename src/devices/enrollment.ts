/**
 * Enrollment: an enrollment token and a CSR become a Device and its identity certificate.
 *
 * Order, and why: every check that can refuse the caller runs before anything is written (token,
 * CSR signature, identifier against the platform, name and identifier collisions, the CA able to
 * issue). Then one transaction takes a use of the token, creates (or binds) the Device and records
 * the enrollment, journaled with actor `device:<name>`. The certificate is issued after that
 * commit, through the grouped issuance path shared by concurrent enrollments; should that fail,
 * the device calls Enroll again with the same token, which finds its own enrollment and takes no
 * second use ("re-poll"), which is also how a device waiting for manual approval collects its
 * certificate.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { ApplyService } from '../apply/apply-service.js';
import type { OperationContext } from '../context.js';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  UnauthorizedError,
} from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { verifyCsr } from '../pki/csr.js';
import type { IssuanceService } from '../pki/issuance-service.js';
import type { StoredResource } from '../resources/model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { deviceNameFor, isDeviceName } from './device-identity.js';
import type { DeviceRecords } from './device-records.js';
import type { EnrollTokenRow } from './device-tables.js';
import { type IdentityIssuer, type IssuedIdentity } from './identity-issuer.js';

/** What enrollment needs of the enrollment tokens (src/devices/enroll-tokens.ts). */
export interface EnrollTokens {
  authenticate(
    plaintext: string,
    now: Date,
  ): Promise<
    | { ok: true; token: EnrollTokenRow }
    | { ok: false; reason: 'Malformed' | 'Unknown' | 'Expired' | 'UsedUp'; message: string }
  >;
  consume(trx: Knex.Transaction, id: string, now: Date): Promise<boolean>;
}

export interface EnrollInput {
  token: string;
  csrPem: string;
  platform: string;
  permanentIdentifier: string;
  name?: string;
  displayName?: string;
}

export type EnrollOutcome =
  | { state: 'enrolled'; deviceName: string; identity: IssuedIdentity }
  | { state: 'pending'; deviceName: string; message: string };

export interface EnrollmentDeps {
  db: Database;
  store: ResourceStore;
  apply: ApplyService;
  tokens: EnrollTokens;
  records: DeviceRecords;
  issuance: IssuanceService;
  identities: IdentityIssuer;
  /** Revokes a device's other certificates once it enrolled again (RevocationService.supersede). */
  supersede?: (context: OperationContext, device: string, keep: string) => Promise<unknown>;
  journal: JournalWriter;
  changes: ChangeFeed;
  now: () => Date;
}

/** The context of a device's own calls: journaled as `device:<name>`, allowed only its own writes. */
export function deviceContext(
  tenant: string,
  name: string,
  requestId: string,
  source?: string,
): OperationContext {
  return {
    tenant,
    actor: { type: 'device', id: name, name },
    requestId,
    source,
    authorize(permission) {
      if (permission !== 'devices:write')
        throw new ForbiddenError(`a device may not ${permission}`, { details: { permission } });
    },
  };
}

const MAX_IDENTIFIER = 256;

export class EnrollmentService {
  constructor(private readonly deps: EnrollmentDeps) {}

  /**
   * @throws UnauthorizedError (token malformed, unknown, expired, used up), InvalidError (CSR,
   *   platform, identifier, name), AlreadyExistsError (name or identifier taken by another device),
   *   ConflictError (the CA cannot issue).
   */
  async enroll(input: EnrollInput, requestId: string, source?: string): Promise<EnrollOutcome> {
    const now = this.deps.now();
    const found = await this.deps.tokens.authenticate(input.token, now);
    let token: EnrollTokenRow;
    /** A spent or expired token still lets the device it enrolled collect its certificate. */
    let collectOnly: UnauthorizedError | undefined;
    if (found.ok) token = found.token;
    else {
      const refusal = new UnauthorizedError(found.message, { details: { check: `Token${found.reason}` } });
      // UsedUp and Expired are only answered once the secret matched (timing-safe): the token is genuine.
      const spent =
        found.reason === 'UsedUp' || found.reason === 'Expired'
          ? await this.tokenRow(input.token)
          : undefined;
      if (!spent) throw refusal;
      token = spent;
      collectOnly = refusal;
    }
    checkShape(input);
    let requestKey: Buffer;
    let keyHash: string;
    try {
      // Verified once, here: the certificate is then issued for its key (no second verification).
      requestKey = verifyCsr(input.csrPem).spki;
      keyHash = createHash('sha256').update(requestKey).digest('hex');
    } catch (error) {
      throw new InvalidError(`csr_pem: ${(error as Error).message}`, {
        problems: [{ pointer: '/csr_pem', message: (error as Error).message }],
      });
    }

    const tenant = token.tenant;
    const bound = await this.findByIdentifier(tenant, input.permanentIdentifier);
    if (bound?.deletionTimestamp)
      throw new ConflictError(`Device "${bound.name}" is being deleted; enroll again once it is gone`);
    if (bound && bound.spec.platform !== input.platform)
      throw new AlreadyExistsError(
        `permanent identifier ${input.permanentIdentifier} belongs to Device "${bound.name}" of platform ${String(bound.spec.platform)}, not ${input.platform}`,
      );
    if (bound && input.name && input.name !== bound.name)
      throw new AlreadyExistsError(
        `permanent identifier ${input.permanentIdentifier} belongs to Device "${bound.name}", not "${input.name}"`,
      );
    const name = bound?.name ?? input.name ?? deviceNameFor(input.platform, input.permanentIdentifier);
    if (!bound) {
      const taken = await this.deps.store.get({ tenant, kind: 'Device', name });
      if (taken)
        throw new AlreadyExistsError(
          `Device "${name}" exists with another permanent identifier (${String(taken.spec.permanentIdentifier)}); choose another name`,
        );
    }
    const device = bound ?? newDevice(name, input, token);
    const caName = caOf(device) ?? token.ca_name;
    await this.deps.identities.assertCanIssue(tenant, caName);

    const context = deviceContext(tenant, name, requestId, source);
    const { approval, changed } = await this.deps.db.transaction(async (trx) => {
      const record = await this.deps.records.get(tenant, name, trx);
      // A re-poll is this same device (found by its identifier) calling again with its own token
      // and the key it enrolled with: only the holder of that private key (the CSR is signed by
      // it) collects the certificate, never another holder of a shared token.
      const again = bound !== null && record?.enroll_token === token.id && record.enroll_key === keyHash;
      if (!again && collectOnly) throw collectOnly;
      if (!again && !(await this.deps.tokens.consume(trx, token.id, now)))
        throw new UnauthorizedError(`enrollment token ${token.id} has no use left`, {
          details: { check: 'TokenUsedUp' },
        });
      // Checked again inside the transaction: a concurrent enrollment may have taken the name
      // since, and an apply would then rewrite that device's identifier.
      if (!bound) {
        const raced = await this.deps.store.get({ tenant, kind: 'Device', name }, trx);
        if (raced && raced.spec.permanentIdentifier !== input.permanentIdentifier)
          throw new AlreadyExistsError(
            `Device "${name}" exists with another permanent identifier (${String(raced.spec.permanentIdentifier)}); choose another name`,
          );
      }
      const changed = bound
        ? []
        : (await this.deps.apply.applyWithin(trx, context, [{ index: 0, value: device }])).changed;
      // A device that enrolled before (or holds a certificate) enrolling again with another key is
      // a replacement, or a takeover by someone who knows its identifier: an operator approves it,
      // whatever the token says. An operator's device binds on its first enrollment as approved by
      // its creator; a new device is approved by the token unless the token is manual.
      const reEnrolling =
        bound !== null &&
        !again &&
        (record?.enrolled_at != null || (await this.holdsCertificate(trx, tenant, name)));
      const approval = again
        ? (record?.approval ?? null)
        : reEnrolling || token.approval === 'manual'
          ? 'pending'
          : bound
            ? (record?.approval ?? null)
            : 'approved';
      if (!again) {
        await this.deps.records.enrolled(trx, {
          tenant,
          name,
          enroll_token: token.id,
          enrolled_at: now.toISOString(),
          approval,
          approved_by: approval === 'approved' ? `enroll-token:${token.id}` : null,
          approved_at: approval === 'approved' ? now.toISOString() : null,
          enroll_key: keyHash,
          // Its identifier is its own claim unless an operator registered the Device first.
          self_registered: bound === null || (record?.self_registered ?? false),
        });
        await this.deps.journal.append(trx, context, [
          {
            operation: 'enroll',
            kind: 'Device',
            name,
            result: approval === 'pending' ? 'pending-approval' : 'enrolled',
            reason: `${bound ? 'bound existing device' : 'created'} with enrollment token ${token.id}`,
            changes: [{ pointer: '/enrollment', new: { token: token.id, approval: approval ?? 'approved' } }],
          },
        ]);
      }
      return { approval, changed: [...changed, { tenant, kind: 'Device', name }] };
    });
    if (approval === 'pending') {
      this.deps.changes.publish(changed);
      return {
        state: 'pending',
        deviceName: name,
        message: `Device "${name}" waits for approval (steward device approve ${name}); call Enroll again with the same token to collect the certificate`,
      };
    }
    // The Device's reconciler is woken once, with its certificate issued (identities.issue wakes it
    // too; keys waiting are de-duplicated), not once before and once after. Should this process stop
    // in between, the periodic resync reconciles the Device anyway.
    try {
      const identity = await this.deps.identities.issue(context, device, caName, { publicKey: requestKey });
      // One identity per device: enrolling again (a replacement approved by an operator, a device
      // that lost its key) supersedes the certificates issued before.
      await this.deps.supersede?.(context, name, identity.serial);
      return { state: 'enrolled', deviceName: name, identity };
    } finally {
      this.deps.changes.publish(changed);
    }
  }

  /** Whether the device holds an unrevoked, unexpired certificate (a previous enrollment). */
  private async holdsCertificate(trx: Knex.Transaction, tenant: string, name: string): Promise<boolean> {
    const row = await trx('pki_issued_certificates')
      .where({ tenant, owner_kind: 'Device', owner_name: name })
      .whereNull('revoked_at')
      .andWhere('not_after', '>', this.deps.now().toISOString())
      .first('serial');
    return row !== undefined;
  }

  /** The row of a token whose secret was already checked, by the id inside its plaintext. */
  private async tokenRow(plaintext: string): Promise<EnrollTokenRow | undefined> {
    const id = /^stw_enroll_([0-9a-f]{16})_/.exec(plaintext)?.[1];
    if (!id) return undefined;
    const row = await this.deps.db.knex<EnrollTokenRow>('enroll_tokens').where({ id }).first();
    return row
      ? { ...row, labels: typeof row.labels === 'string' ? JSON.parse(row.labels) : row.labels }
      : undefined;
  }

  /** The Device of a tenant with this permanent identifier (a scan of the tenant's devices: enrollment only). */
  private async findByIdentifier(tenant: string, identifier: string): Promise<StoredResource | null> {
    const knex = this.deps.db.knex;
    const extract =
      this.deps.db.dialect === 'postgresql'
        ? knex.raw(`(spec::jsonb ->> 'permanentIdentifier') = ?`, [identifier])
        : knex.raw(`json_extract(spec, '$.permanentIdentifier') = ?`, [identifier]);
    const row = await knex('resources').where({ tenant, kind: 'Device' }).andWhere(extract).first('name');
    return row ? this.deps.store.get({ tenant, kind: 'Device', name: row.name }) : null;
  }
}

function checkShape(input: EnrollInput): void {
  const problems: Array<{ pointer: string; message: string }> = [];
  if (!['apple', 'tpm', 'linux', 'android', 'windows', 'other'].includes(input.platform))
    problems.push({
      pointer: '/platform',
      message: 'platform must be one of apple, tpm, linux, android, windows, other',
    });
  if (
    typeof input.permanentIdentifier !== 'string' ||
    input.permanentIdentifier.length === 0 ||
    input.permanentIdentifier.length > MAX_IDENTIFIER
  )
    problems.push({
      pointer: '/permanent_identifier',
      message: `permanent_identifier must be 1 to ${MAX_IDENTIFIER} characters`,
    });
  if (input.name && !isDeviceName(input.name))
    problems.push({
      pointer: '/name',
      message: 'name must be a DNS label (lower-case letters, digits and "-", at most 63)',
    });
  if (typeof input.csrPem !== 'string' || input.csrPem.length === 0 || input.csrPem.length > 16_384)
    problems.push({
      pointer: '/csr_pem',
      message: 'csr_pem must be a PEM certificate request of at most 16384 characters',
    });
  if (problems.length > 0) throw new InvalidError(problems[0].message, { problems });
}

/** The Device an enrolling device becomes: its identity, the token's labels and CA. */
function newDevice(name: string, input: EnrollInput, token: EnrollTokenRow): Record<string, unknown> {
  const labels = typeof token.labels === 'string' ? JSON.parse(token.labels) : token.labels;
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name, ...(labels && Object.keys(labels).length > 0 ? { labels } : {}) },
    spec: {
      platform: input.platform,
      permanentIdentifier: input.permanentIdentifier,
      ...(input.displayName ? { displayName: input.displayName } : {}),
      identity: { caRef: { name: token.ca_name } },
    },
  };
}

function caOf(device: StoredResource | Record<string, unknown>): string | undefined {
  const spec = (device as { spec?: { identity?: { caRef?: { name?: string } } } }).spec;
  return spec?.identity?.caRef?.name;
}
