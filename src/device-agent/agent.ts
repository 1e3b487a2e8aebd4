/**
 * The reference device agent: what a device runs against the device API, and what
 * `steward simulate` runs a fleet of. Real keys (ECDSA P-256, generated on the device, never
 * sent), a real PKCS#10 request, real mTLS on a kept-alive HTTP/2 connection (gRPC).
 *
 *   const agent = await DeviceAgent.create({ url, trustPem, platform: 'linux', identifier: 'host-1' });
 *   await agent.enroll(token);          // identity certificate
 *   const answer = await agent.checkIn({ installed: { artifact: 'os', version: '1.2.3' } });
 *   if (answer.assignment) (await agent.verifyAssignment(answer.assignment)).ok;  // before installing
 */
import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import { type Client, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as x509 from '@peculiar/x509';
import {
  type CheckInResponse,
  DeviceService,
  EnrollmentState,
  type IssuedIdentity,
  type UpdateState,
} from '../device-api/gen/steward/device/v1/device_pb.js';
import { type AssignmentVerdict, checkAssignment, type SignedAssignment } from './assignment-check.js';
import { type SigningKeySource, SigningKeyring } from './signing-keyring.js';

export interface AgentOptions {
  /** The device API, e.g. https://127.0.0.1:8443 */
  url: string;
  /** PEM of what the device trusts to reach the server. */
  trustPem: string;
  platform: string;
  identifier: string;
  name?: string;
  /**
   * The tenant's update-signing public keys (GET /api/v1/signing-keys), or how to fetch them; a
   * keyring shared by many agents parses each key once. Without them every assignment is refused.
   */
  signingKeys?: SigningKeyring | SigningKeySource;
}

type WebKey = x509.Pkcs10CertificateRequestCreateParams['keys'];

export class DeviceAgent {
  private identity?: IssuedIdentity;
  private client?: Client<typeof DeviceService>;
  private session?: Http2SessionManager;
  deviceName?: string;
  private readonly signingKeys: SigningKeyring;

  private constructor(
    readonly options: AgentOptions,
    private keys: { privateKey: KeyObject; pem: string; csrPem: string },
  ) {
    this.signingKeys = SigningKeyring.of(options.signingKeys ?? []);
  }

  static async create(options: AgentOptions): Promise<DeviceAgent> {
    return new DeviceAgent(options, await newKey(options.identifier));
  }

  /** The certificate the device holds now (PEM), once enrolled. */
  get certificatePem(): string | undefined {
    return this.identity?.certificatePem;
  }

  /** The identity key (PKCS#8 PEM): it never leaves the device; other clients on it may use it. */
  get privateKeyPem(): string {
    return this.keys.pem;
  }

  /** The CA chain that came with the certificate, PEM, nearest first. */
  get chainPem(): string {
    return this.identity?.chainPem.join('') ?? '';
  }

  get notAfter(): Date | undefined {
    return this.identity ? new Date(this.identity.notAfter) : undefined;
  }

  /** DER SubjectPublicKeyInfo of the identity key (what a TPM quote binds). */
  get spki(): Buffer {
    return createPublicKey(this.keys.privateKey).export({ type: 'spki', format: 'der' });
  }

  /** Enrolls with a token; answers false while the device waits for approval. */
  async enroll(token: string, displayName?: string): Promise<boolean> {
    // Its own connection, without a client certificate, closed once answered (left open, each
    // enrollment of a fleet would hold an idle connection on the server for minutes).
    const session = new Http2SessionManager(this.options.url, undefined, { ca: this.options.trustPem });
    const anonymous = createClient(
      DeviceService,
      createGrpcTransport({ baseUrl: this.options.url, sessionManager: session }),
    );
    const answer = await anonymous
      .enroll({
        token,
        csrPem: this.keys.csrPem,
        platform: this.options.platform,
        permanentIdentifier: this.options.identifier,
        name: this.options.name ?? '',
        displayName: displayName ?? '',
      })
      .finally(() => session.abort());
    this.deviceName = answer.deviceName;
    if (answer.state !== EnrollmentState.ENROLLED || !answer.identity) return false;
    this.useIdentity(answer.identity);
    return true;
  }

  async checkIn(
    report: {
      installed?: { artifact: string; version: string };
      updateResults?: Array<{
        rollout: string;
        artifact: string;
        version: string;
        state: UpdateState;
        message?: string;
        /** The Assignment.attempt the result is for. */
        attempt?: number;
      }>;
    } = {},
  ): Promise<CheckInResponse> {
    return this.authenticated().checkIn({
      installed: report.installed,
      updateResults: (report.updateResults ?? []).map((result) => ({
        ...result,
        message: result.message ?? '',
        attempt: result.attempt ?? 0,
      })),
    });
  }

  /**
   * Whether the assignment may be installed on this device (assignment-check.ts): signed by the
   * tenant's key it names, over exactly its metadata, for this platform. Rejects only when the
   * signing keys cannot be fetched (try again later; that is no verdict on the assignment).
   */
  async verifyAssignment(assignment: SignedAssignment): Promise<AssignmentVerdict> {
    const publicKey = await this.signingKeys.publicKey(assignment.keyId);
    return checkAssignment(assignment, this.options.platform, publicKey);
  }

  /** A new key and certificate; later calls use them. */
  async renew(): Promise<void> {
    const next = await newKey(this.options.identifier);
    const answer = await this.authenticated().renew({ csrPem: next.csrPem });
    if (!answer.identity) throw new Error('the server answered Renew without an identity');
    this.keys = next;
    this.useIdentity(answer.identity);
  }

  async uploadLogs(requestId: string, content: Uint8Array, contentType = 'text/plain'): Promise<string> {
    const answer = await this.authenticated().uploadLogs({ requestId, content, contentType });
    return answer.logId;
  }

  /** The authenticated client (for calls this class does not wrap, e.g. attestation). */
  authenticated(): Client<typeof DeviceService> {
    if (!this.client) throw new Error('the device has no identity certificate yet: enroll first');
    return this.client;
  }

  close(): void {
    this.session?.abort();
  }

  private useIdentity(identity: IssuedIdentity): void {
    this.identity = identity;
    this.session?.abort();
    const nodeOptions = {
      ca: this.options.trustPem,
      cert: identity.certificatePem + identity.chainPem.join(''),
      key: this.keys.pem,
      // Room for a full log bundle (10 MiB) in flight on the session.
      maxSessionMemory: 32,
    };
    // One kept-alive HTTP/2 connection for every call of this device, as a real agent holds.
    this.session = new Http2SessionManager(this.options.url, { pingIntervalMs: 30_000 }, nodeOptions);
    this.client = createClient(
      DeviceService,
      createGrpcTransport({ baseUrl: this.options.url, sessionManager: this.session }),
    );
  }
}

/** A P-256 key and a CSR for it (CN = the identifier; the server sets the real subject). */
async function newKey(identifier: string): Promise<{ privateKey: KeyObject; pem: string; csrPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  } as unknown as WebKey;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${identifier.replace(/[,+"\\<>;=]/g, '_').slice(0, 64)}`,
    keys,
    signingAlgorithm: algorithm,
  });
  return {
    privateKey,
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    csrPem: csr.toString('pem'),
  };
}
