/**
 * What the Rollouts pages read of the wire (schemas/v1/rollout.json, artifact.json and the
 * subresources of artifacts.routes.ts): only the fields they show.
 */
import type { Condition } from '../../../../src/contract/resource';

export type RolloutPhase =
  | 'Pending'
  | 'Progressing'
  | 'WaitingApproval'
  | 'Soaking'
  | 'Paused'
  | 'Completed'
  | 'Aborted';

export interface WaveSpec {
  percent: number;
  requireApproval?: boolean;
  soakSeconds?: number;
  successThreshold?: number;
}

export interface WaveStatus {
  wave?: number;
  percent?: number;
  devices?: number;
  assigned?: number;
  succeeded?: number;
  failed?: number;
  pending?: number;
  queued?: number;
  startedAt?: string;
  finishedAt?: string;
  approvedBy?: string;
  approvedAt?: string;
}

export interface Totals {
  targeted?: number;
  ineligible?: number;
  queued?: number;
  assigned?: number;
  succeeded?: number;
  failed?: number;
  pending?: number;
  cancelled?: number;
}

export interface Rollout {
  metadata: { name: string; creationTimestamp?: string };
  spec: {
    artifactRef: { name: string };
    target: { groupRef?: { name: string }; selector?: unknown };
    requireAssurance?: string;
    strategy: {
      waves: WaveSpec[];
      maxFailurePercent?: number;
      minFinishedDevices?: number;
      onFailure?: 'abort' | 'pause';
      retries?: number;
      maxDevicesPerMinute?: number;
    };
    paused?: boolean;
  };
  status?: {
    phase?: RolloutPhase;
    currentWave?: number;
    message?: string;
    artifact?: { name?: string; version?: string };
    startedAt?: string;
    finishedAt?: string;
    soakUntil?: string;
    pausedBy?: string;
    abortedBy?: string;
    totals?: Totals;
    ineligibleReasons?: Record<string, number>;
    waves?: WaveStatus[];
    conditions?: Condition[];
  };
}

export interface Artifact {
  metadata: { name: string; labels?: Record<string, string>; creationTimestamp?: string };
  spec: {
    version: string;
    digest: string;
    size: number;
    platforms: string[];
    url?: string;
    description?: string;
  };
  status?: {
    signature?: { keyId?: string; algorithm?: string; signedAt?: string };
    conditions?: Condition[];
  };
}

/** `GET /api/v1/artifacts/NAME/signature`. */
export interface ArtifactSignature {
  keyId: string;
  algorithm: string;
  signature: string;
  payload: string;
  signedAt: string;
  publicKeyPem: string;
}

/** `GET /api/v1/signing-keys`: one key with its validity. */
export interface SigningKey {
  keyId: string;
  algorithm?: string;
  createdAt?: string;
  retiredAt?: string | null;
}

export interface List<T> {
  items: T[];
  metadata: { continue?: string };
}
