/**
 * The device side's tables (issue #14). What an operator declares about a device is its Device
 * resource; what the server observes of it — enrollment, approval, presence, what it runs, its
 * attestation — is here, written by the device API and read by the Device reconciler into status.
 * Times are ISO-8601 UTC text, as everywhere. Secrets are stored only as SHA-256 hashes.
 */
import { EntitySchema } from '@mikro-orm/core';

/** An enrollment token: `stw_enroll…` plaintext shown once; only the hash of its secret is kept. */
export interface EnrollTokenRow {
  tenant: string;
  /** Public id (16 hex), also inside the plaintext token so that it is found without a scan. */
  id: string;
  secret_hash: string;
  description: string | null;
  /** How many devices may enroll with it (1: single use). */
  max_uses: number;
  uses: number;
  expires_at: string;
  /** Labels every device enrolled with the token gets (JSON object). */
  labels: Record<string, string>;
  /** The CertificateAuthority that issues the enrolled devices' identities. */
  ca_name: string;
  /** `auto`: enrolled devices are approved by the token; `manual`: they wait for `devices:approve`. */
  approval: string;
  created_by: string;
  created_at: string;
}

export const EnrollTokenEntity = new EntitySchema<EnrollTokenRow>({
  name: 'EnrollToken',
  tableName: 'enroll_tokens',
  indexes: [{ name: 'enroll_tokens_tenant_index', properties: ['tenant'] }],
  properties: {
    // The id alone finds a token: a device presents only the token, not its tenant.
    id: { type: 'string', length: 16, primary: true },
    tenant: { type: 'string', length: 63 },
    secret_hash: { type: 'string', fieldName: 'secret_hash', length: 64 },
    description: { type: 'string', length: 256, nullable: true },
    max_uses: { type: 'integer', fieldName: 'max_uses' },
    uses: { type: 'integer', default: 0 },
    expires_at: { type: 'string', fieldName: 'expires_at', length: 30 },
    labels: { type: 'json' },
    ca_name: { type: 'string', fieldName: 'ca_name', length: 63 },
    approval: { type: 'string', length: 16 },
    created_by: { type: 'string', fieldName: 'created_by', length: 256 },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
  },
});

/**
 * What the server knows of a device beyond its resource. A Device created through the API has no
 * row until it first calls the device API; with no row, or `approval` null, it is approved.
 */
export interface DeviceRecordRow {
  tenant: string;
  name: string;
  /** The enrollment token it enrolled with (null: created by an operator). */
  enroll_token: string | null;
  enrolled_at: string | null;
  /** `approved`, `pending`, or null (created through the API: approved by its creator). */
  approval: string | null;
  approved_by: string | null;
  approved_at: string | null;
  /** Written in batches from check-ins (heartbeats are not journaled). */
  last_seen: string | null;
  installed_artifact: string | null;
  installed_version: string | null;
  /** The last attestation's outcome (JSON: attested, format, authority, reason, message, at, key). */
  attestation: Record<string, unknown> | null;
  /** SHA-256 (hex) of the key the device enrolled with: only that key may collect its certificate again. */
  enroll_key: string | null;
  /**
   * True when the Device was created by its own enrollment (its identifier is its own claim, not an
   * operator's registration): a bare EK public key is then never trusted.
   */
  self_registered: boolean;
}

export const DeviceRecordEntity = new EntitySchema<DeviceRecordRow>({
  name: 'DeviceRecord',
  tableName: 'device_records',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    name: { type: 'string', length: 63, primary: true },
    enroll_token: { type: 'string', fieldName: 'enroll_token', length: 16, nullable: true },
    enrolled_at: { type: 'string', fieldName: 'enrolled_at', length: 30, nullable: true },
    approval: { type: 'string', length: 16, nullable: true },
    approved_by: { type: 'string', fieldName: 'approved_by', length: 256, nullable: true },
    approved_at: { type: 'string', fieldName: 'approved_at', length: 30, nullable: true },
    last_seen: { type: 'string', fieldName: 'last_seen', length: 30, nullable: true },
    installed_artifact: { type: 'string', fieldName: 'installed_artifact', length: 63, nullable: true },
    installed_version: { type: 'string', fieldName: 'installed_version', length: 128, nullable: true },
    attestation: { type: 'json', nullable: true },
    enroll_key: { type: 'string', fieldName: 'enroll_key', length: 64, nullable: true },
    self_registered: { type: 'boolean', fieldName: 'self_registered', default: false },
  },
});

/**
 * An attestation in progress: the challenge sent to the device (credential activation and a nonce
 * for the quote), valid for a few minutes and used once. Only the hash of the activation secret.
 */
export interface AttestationChallengeRow {
  id: string;
  tenant: string;
  device_name: string;
  format: string;
  /** The AttestationAuthority whose anchors the EK (or Apple) chain led to. */
  authority: string | null;
  nonce: Buffer;
  secret_hash: string | null;
  /** The attestation key's TPM2B_PUBLIC, bound into the credential by its name. */
  ak_public: Buffer | null;
  created_at: string;
  expires_at: string;
}

export const AttestationChallengeEntity = new EntitySchema<AttestationChallengeRow>({
  name: 'AttestationChallenge',
  tableName: 'device_attestation_challenges',
  indexes: [{ name: 'device_attestation_challenges_device_index', properties: ['tenant', 'device_name'] }],
  properties: {
    id: { type: 'string', length: 36, primary: true },
    tenant: { type: 'string', length: 63 },
    device_name: { type: 'string', fieldName: 'device_name', length: 63 },
    format: { type: 'string', length: 16 },
    authority: { type: 'string', length: 63, nullable: true },
    nonce: { type: 'blob' },
    secret_hash: { type: 'string', fieldName: 'secret_hash', length: 64, nullable: true },
    ak_public: { type: 'blob', fieldName: 'ak_public', nullable: true },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
    expires_at: { type: 'string', fieldName: 'expires_at', length: 30 },
  },
});

/** A log bundle: requested by an operator, uploaded by the device at a later check-in; never parsed. */
export interface DeviceLogRow {
  id: string;
  tenant: string;
  device_name: string;
  /** `requested` until the device uploads, then `uploaded`. */
  state: string;
  requested_by: string;
  requested_at: string;
  uploaded_at: string | null;
  content_type: string | null;
  size: number | null;
  sha256: string | null;
  content: Buffer | null;
}

export const DeviceLogEntity = new EntitySchema<DeviceLogRow>({
  name: 'DeviceLog',
  tableName: 'device_logs',
  indexes: [{ name: 'device_logs_device_index', properties: ['tenant', 'device_name'] }],
  properties: {
    id: { type: 'string', length: 36, primary: true },
    tenant: { type: 'string', length: 63 },
    device_name: { type: 'string', fieldName: 'device_name', length: 63 },
    state: { type: 'string', length: 16 },
    requested_by: { type: 'string', fieldName: 'requested_by', length: 256 },
    requested_at: { type: 'string', fieldName: 'requested_at', length: 30 },
    uploaded_at: { type: 'string', fieldName: 'uploaded_at', length: 30, nullable: true },
    content_type: { type: 'string', fieldName: 'content_type', length: 128, nullable: true },
    size: { type: 'integer', nullable: true },
    sha256: { type: 'string', length: 64, nullable: true },
    content: { type: 'blob', nullable: true },
  },
});

export const DEVICE_ENTITIES = [
  EnrollTokenEntity,
  DeviceRecordEntity,
  AttestationChallengeEntity,
  DeviceLogEntity,
];
