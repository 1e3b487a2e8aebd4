/**
 * The DeviceService handlers: thin. Each resolves the caller (the client certificate, except for
 * Enroll), checks the request's shape, calls the domain, and maps its answer to the wire. Domain
 * errors become Connect codes in one place (connectError); anything unexpected is logged and
 * answered `internal` with no detail.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceImpl } from '@connectrpc/connect';
import {
  Code,
  ConnectError,
  type ContextKey,
  createContextKey,
  type HandlerContext,
} from '@connectrpc/connect';
import type { AttestationService } from '../devices/attestation.js';
import type { CheckInService } from '../devices/check-in.js';
import type { EnrollmentService } from '../devices/enrollment.js';
import { deviceContext } from '../devices/enrollment.js';
import type { IdentityIssuer, IssuedIdentity } from '../devices/identity-issuer.js';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  PayloadTooLargeError,
  StewardError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../errors.js';
import { type DeviceService, EnrollmentState, UpdateState } from './gen/steward/device/v1/device_pb.js';
import type { DevicePeer, PeerIdentities } from './peer-identity.js';
import type { PresenceWriter } from './presence.js';

/** What the connection proved: the SHA-256 of its client certificate, or none. */
export interface ConnectionFacts {
  fingerprint?: string;
  /** DER SubjectPublicKeyInfo of the client certificate (what an attestation binds). */
  spki?: Uint8Array;
  source?: string;
}
export const CONNECTION: ContextKey<ConnectionFacts> = createContextKey<ConnectionFacts>({});

/** The log uploads a device answers (src/devices/device-logs.ts). */
export interface LogUploads {
  upload(
    context: ReturnType<typeof deviceContext>,
    device: string,
    requestId: string,
    contentType: string,
    content: Uint8Array,
  ): Promise<{ id: string; size: number; sha256?: string }>;
}

export interface DeviceHandlerDeps {
  enrollment: EnrollmentService;
  identities: IdentityIssuer;
  peers: PeerIdentities;
  presence: PresenceWriter;
  checkIns: CheckInService;
  attestation: AttestationService;
  logs: LogUploads;
  log: { error(message: string): void };
}

const UPDATE_STATES: Record<number, string> = {
  [UpdateState.DOWNLOADING]: 'downloading',
  [UpdateState.INSTALLING]: 'installing',
  [UpdateState.SUCCEEDED]: 'succeeded',
  [UpdateState.FAILED]: 'failed',
};

export function deviceHandlers(deps: DeviceHandlerDeps): ServiceImpl<typeof DeviceService> {
  /** The verified caller, journaled as `device:<name>`. */
  async function caller(
    context: HandlerContext,
  ): Promise<{ peer: DevicePeer & { spki?: Uint8Array }; operation: ReturnType<typeof deviceContext> }> {
    const facts = context.values.get(CONNECTION);
    if (!facts.fingerprint)
      throw new UnauthorizedError(
        'this method needs the client certificate Steward issued to the device (only Enroll is called without one)',
        { details: { check: 'NoClientCertificate' } },
      );
    const peer = { ...(await deps.peers.verify(facts.fingerprint)), spki: facts.spki };
    deps.presence.seen(peer.tenant, peer.device);
    return { peer, operation: deviceContext(peer.tenant, peer.device, requestIdOf(context), facts.source) };
  }

  return {
    enroll: guarded(deps, async (request, context) => {
      const outcome = await deps.enrollment.enroll(
        {
          token: request.token,
          csrPem: request.csrPem,
          platform: request.platform,
          permanentIdentifier: request.permanentIdentifier,
          name: request.name || undefined,
          displayName: request.displayName || undefined,
        },
        requestIdOf(context),
        context.values.get(CONNECTION).source,
      );
      return outcome.state === 'enrolled'
        ? {
            deviceName: outcome.deviceName,
            state: EnrollmentState.ENROLLED,
            identity: wireIdentity(outcome.identity),
          }
        : {
            deviceName: outcome.deviceName,
            state: EnrollmentState.PENDING_APPROVAL,
            message: outcome.message,
          };
    }),

    checkIn: guarded(deps, async (request, context) => {
      const { peer, operation } = await caller(context);
      if (request.installed) checkInstalled(request.installed.artifact, request.installed.version);
      if (request.updateResults.length > 100)
        throw new InvalidError('at most 100 update results per check-in');
      const answer = await deps.checkIns.checkIn(operation, peer.device, peer, {
        installed: request.installed?.artifact ? request.installed : undefined,
        updateResults: request.updateResults.map((result) => ({
          rollout: result.rollout,
          artifact: result.artifact,
          version: result.version,
          state: UPDATE_STATES[result.state] ?? 'unknown',
          message: result.message,
          attempt: result.attempt,
        })),
      });
      return {
        deviceName: peer.device,
        ...(answer.assignment
          ? { assignment: { ...answer.assignment, size: BigInt(answer.assignment.size) } }
          : {}),
        logRequests: answer.logRequests,
        renew: answer.renew,
        attest: answer.attest,
        nextCheckInSeconds: answer.nextCheckInSeconds,
      };
    }),

    renew: guarded(deps, async (request, context) => {
      const { peer, operation } = await caller(context);
      const identity = await deps.identities.renew(operation, peer.device, request.csrPem);
      return { identity: wireIdentity(identity) };
    }),

    beginAttestation: guarded(deps, async (request, context) => {
      const { peer, operation } = await caller(context);
      const challenge = await deps.attestation.begin(operation, peer, {
        format: request.format,
        ekCertificate: request.ekCertificate,
        ekPublicKey: request.ekPublicKey,
        akPublic: request.akPublic,
      });
      return {
        attestationId: challenge.id,
        nonce: challenge.nonce,
        credentialBlob: challenge.credentialBlob ?? new Uint8Array(),
        encryptedSecret: challenge.encryptedSecret ?? new Uint8Array(),
        expiresAt: challenge.expiresAt.toISOString(),
      };
    }),

    attest: guarded(deps, async (request, context) => {
      const { peer, operation } = await caller(context);
      const outcome = await deps.attestation.complete(operation, peer, {
        attestationId: request.attestationId,
        activatedSecret: request.activatedSecret,
        quote: request.quote,
        quoteSignature: request.quoteSignature,
        certificateChain: request.certificateChain,
      });
      deps.checkIns.forget(peer.tenant, peer.device);
      return {
        attested: outcome.attested,
        assurance: outcome.attested ? 'high' : 'normal',
        reason: outcome.reason,
        message: outcome.message,
      };
    }),

    uploadLogs: guarded(deps, async (request, context) => {
      const { peer, operation } = await caller(context);
      const stored = await deps.logs.upload(
        operation,
        peer.device,
        request.requestId,
        request.contentType || 'application/octet-stream',
        request.content,
      );
      deps.checkIns.forget(peer.tenant, peer.device);
      return { logId: stored.id, size: BigInt(stored.size) };
    }),
  };
}

function checkInstalled(artifact: string, version: string): void {
  if (artifact.length > 63 || version.length > 128)
    throw new InvalidError(
      'installed.artifact must be at most 63 characters and installed.version at most 128',
      {
        problems: [{ pointer: '/installed', message: 'too long' }],
      },
    );
}

function wireIdentity(identity: IssuedIdentity) {
  return {
    certificatePem: identity.certificatePem,
    chainPem: identity.chainPem,
    serial: identity.serial,
    notAfter: identity.notAfter.toISOString(),
    renewAfter: identity.renewAfter.toISOString(),
  };
}

function requestIdOf(context: HandlerContext): string {
  const given = context.requestHeader.get('x-request-id');
  return given && /^[\x21-\x7e]{1,128}$/.test(given) ? given : randomUUID();
}

/** Runs a handler, translating Steward's errors to Connect codes; hides anything unexpected. */
function guarded<Request, Response>(
  deps: DeviceHandlerDeps,
  handler: (request: Request, context: HandlerContext) => Promise<Response>,
): (request: Request, context: HandlerContext) => Promise<Response> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      throw connectError(error, deps);
    }
  };
}

/** The Connect error for a thrown value. The one place domain errors meet the device wire. */
export function connectError(error: unknown, deps: Pick<DeviceHandlerDeps, 'log'>): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof StewardError) {
    const code =
      error instanceof UnauthorizedError
        ? Code.Unauthenticated
        : error instanceof ForbiddenError
          ? Code.PermissionDenied
          : error instanceof InvalidError
            ? Code.InvalidArgument
            : error instanceof NotFoundError
              ? Code.NotFound
              : error instanceof AlreadyExistsError
                ? Code.AlreadyExists
                : error instanceof ConflictError
                  ? Code.FailedPrecondition
                  : error instanceof PayloadTooLargeError
                    ? Code.ResourceExhausted
                    : error instanceof TooManyRequestsError
                      ? Code.ResourceExhausted
                      : Code.InvalidArgument;
    const check = error.details?.check;
    const meta = new Headers();
    if (typeof check === 'string') meta.set('steward-check', check);
    // The device has no other channel for the details: every problem goes into the message.
    const problems = error.problems.map((problem) => `${problem.pointer || '/'}: ${problem.message}`);
    const message = problems.length > 0 ? `${error.message} (${problems.join('; ')})` : error.message;
    return new ConnectError(message, code, meta);
  }
  deps.log.error(`device API: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new ConnectError('internal error', Code.Internal);
}
