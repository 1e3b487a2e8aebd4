/**
 * A rollout's progress lives here (issue #15), not in memory: which device is in which wave, what
 * each was told and reported, and the gates people opened (approval, pause, abort). A crash loses
 * nothing; the reconciler reads these rows and continues where they say.
 */
import { EntitySchema } from '@mikro-orm/core';
import type { WaveRecord } from './rollout-model.js';

/** One target device of one rollout: its wave, fixed when the rollout starts, and how it went. */
export interface RolloutDeviceRow {
  tenant: string;
  rollout_uid: string;
  /** The Rollout's name (what devices report against). */
  rollout: string;
  device: string;
  /** 1-based wave; 0 for an ineligible device. */
  wave: number;
  /** SHA-256 (hex) of rollout uid + device name: the stable order within the target. */
  rank: string;
  /** queued | assigned | succeeded | failed | cancelled | ineligible */
  state: string;
  /** Why ineligible (Platform, Assurance, InAnotherRollout, NotApproved) or why it ended. */
  reason: string | null;
  /** Installs started (the first assignment and each retry). */
  attempts: number;
  /** 1 while queued or assigned, else null: a unique index keeps a device in one active rollout. */
  active: number | null;
  assigned_at: string | null;
  finished_at: string | null;
  message: string | null;
}

export const RolloutDeviceEntity = new EntitySchema<RolloutDeviceRow>({
  name: 'RolloutDevice',
  tableName: 'rollout_devices',
  uniques: [{ name: 'rollout_devices_active_unique', properties: ['tenant', 'device', 'active'] }],
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    rollout_uid: { type: 'string', fieldName: 'rollout_uid', length: 36, primary: true },
    device: { type: 'string', length: 63, primary: true },
    rollout: { type: 'string', length: 63 },
    wave: { type: 'integer' },
    rank: { type: 'string', length: 64 },
    state: { type: 'string', length: 16 },
    reason: { type: 'string', length: 64, nullable: true },
    attempts: { type: 'integer', default: 0 },
    active: { type: 'integer', nullable: true },
    assigned_at: { type: 'string', fieldName: 'assigned_at', length: 30, nullable: true },
    finished_at: { type: 'string', fieldName: 'finished_at', length: 30, nullable: true },
    message: { type: 'string', length: 256, nullable: true },
  },
});

/** What a rollout has done and what people decided, per Rollout uid. */
export interface RolloutStateRow {
  tenant: string;
  uid: string;
  name: string;
  /** Set once the target is resolved and every device has its wave. */
  started_at: string | null;
  /**
   * What devices are told, fixed at the start (JSON: name, version, digest, size, platforms, url,
   * signature, keyId): delivery never depends on the Artifact still existing.
   */
  artifact: Record<string, unknown> | null;
  /** strategy.retries as last reconciled: the check-in path decides a retry with it. */
  retries: number;
  /** The wave being rolled out (1-based; 0 before the first). */
  current_wave: number;
  /** The highest wave whose approval gate was opened. */
  approved_wave: number;
  /** JSON array, per wave: startedAt, finishedAt, soakUntil, approvedBy, approvedAt. */
  waves: WaveRecord[];
  /** Paused by an action (`rollout pause`), until `rollout resume`. */
  paused_by: string | null;
  paused_at: string | null;
  /** Paused by the failure threshold with onFailure: pause (until `rollout resume`). */
  halted_reason: string | null;
  /** Failed devices a person accepted by resuming after a halt: the failure policy fires on new ones only. */
  acknowledged_failures: number;
  aborted_by: string | null;
  aborted_at: string | null;
  abort_reason: string | null;
  completed_at: string | null;
  updated_at: string;
}

export const RolloutStateEntity = new EntitySchema<RolloutStateRow>({
  name: 'RolloutState',
  tableName: 'rollout_states',
  indexes: [{ name: 'rollout_states_name_index', properties: ['tenant', 'name'] }],
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    uid: { type: 'string', length: 36, primary: true },
    name: { type: 'string', length: 63 },
    started_at: { type: 'string', fieldName: 'started_at', length: 30, nullable: true },
    artifact: { type: 'json', nullable: true },
    retries: { type: 'integer', default: 0 },
    current_wave: { type: 'integer', fieldName: 'current_wave', default: 0 },
    approved_wave: { type: 'integer', fieldName: 'approved_wave', default: 0 },
    waves: { type: 'json' },
    paused_by: { type: 'string', fieldName: 'paused_by', length: 256, nullable: true },
    paused_at: { type: 'string', fieldName: 'paused_at', length: 30, nullable: true },
    halted_reason: { type: 'string', fieldName: 'halted_reason', length: 512, nullable: true },
    acknowledged_failures: { type: 'integer', fieldName: 'acknowledged_failures', default: 0 },
    aborted_by: { type: 'string', fieldName: 'aborted_by', length: 256, nullable: true },
    aborted_at: { type: 'string', fieldName: 'aborted_at', length: 30, nullable: true },
    abort_reason: { type: 'string', fieldName: 'abort_reason', length: 512, nullable: true },
    completed_at: { type: 'string', fieldName: 'completed_at', length: 30, nullable: true },
    updated_at: { type: 'string', fieldName: 'updated_at', length: 30 },
  },
});

export const ROLLOUT_ENTITIES = [RolloutDeviceEntity, RolloutStateEntity];
