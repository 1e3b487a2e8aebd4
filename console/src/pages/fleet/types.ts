/**
 * The wire shapes the Fleet pages read, as the API answers them (schemas/v1 status sections and
 * the OpenAPI shapes of the device, PKI and enrollment-token routes). The resource envelope is
 * the server's own contract type; only the kind-specific parts are spelled out here.
 */
import type { Condition, ResourceList, ServedResource } from '../../../../src/contract/resource';

export type { Condition, ResourceList, ServedResource };

export interface DeviceSpec {
  platform: string;
  permanentIdentifier: string;
  displayName?: string;
  user?: { email?: string; name?: string };
  identity?: { caRef?: { name: string }; validity?: string };
}

export interface DeviceStatus {
  approved?: boolean;
  assurance?: 'normal' | 'high';
  certificate?: { serial?: string; issuer?: string; notAfter?: string; renewAfter?: string };
  lastSeen?: string;
  installed?: { artifact?: string; version?: string };
  attestation?: {
    attested?: boolean;
    format?: string;
    authority?: string;
    reason?: string;
    message?: string;
    at?: string;
  };
  conditions?: Condition[];
}

export interface CaSpec {
  type: 'root' | 'intermediate';
  parentRef?: { name: string };
  subject?: Record<string, unknown>;
  keyAlgorithm?: string;
  leafValidity?: string;
}

export interface CaStatus {
  serial?: string;
  fingerprint?: string;
  subject?: string;
  keyAlgorithm?: string;
  notBefore?: string;
  notAfter?: string;
  renewalTime?: string;
  conditions?: Condition[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface DeviceGroupSpec {
  selector: LabelSelector;
  description?: string;
}

/** A served resource with its kind's spec and status typed. */
export type Typed<Spec, Status> = Omit<ServedResource, 'spec' | 'status'> & { spec: Spec; status: Status };
export type Device = Typed<DeviceSpec, DeviceStatus>;
export type CertificateAuthority = Typed<CaSpec, CaStatus>;
export type DeviceGroup = Typed<DeviceGroupSpec, { count?: number; conditions?: Condition[] }>;

/** One page of any list the API answers (`items`, `metadata.continue`). */
export interface Page<Item> {
  items: Item[];
  metadata: { continue?: string; remainingItemCount?: number };
}

/** `GET /certificateauthorities/{name}/certificates` items. */
export interface IssuedCertificate {
  serial: string;
  subject: string;
  profile?: string;
  notBefore: string;
  notAfter: string;
  fingerprint?: string;
  issuedAt?: string;
  state: 'valid' | 'revoked' | 'expired';
  owner?: { kind: string; name: string };
  revocation?: { revokedAt: string; reason: string };
}

/** `GET /devices/{name}/logs` items. */
export interface DeviceLogBundle {
  id: string;
  state: 'requested' | 'uploaded';
  requestedBy: string;
  requestedAt: string;
  uploadedAt?: string;
  contentType?: string;
  size?: number;
  sha256?: string;
}

/** `GET /{plural}/{name}/history` items: journal entries, newest first. */
export interface HistoryEntry {
  seq: number;
  time: string;
  actor: { type: string; id: string; name: string };
  operation: string;
  result: string;
  reason: string | null;
  generation: number | null;
}

/** `GET /enroll-tokens` items; the create answer adds `token`, its only appearance. */
export interface EnrollToken {
  id: string;
  description?: string | null;
  maxUses: number;
  uses: number;
  remaining: number;
  expiresAt: string;
  expired: boolean;
  labels: Record<string, string>;
  caRef: string;
  approval: 'auto' | 'manual';
  createdBy?: string;
  createdAt?: string;
}
