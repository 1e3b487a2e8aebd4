/**
 * The devices a rollout's target names now, with what deciding their eligibility needs: platform,
 * approval, attestation, what they run, and whether another active rollout holds them. One query
 * for the Devices (the selector evaluated in SQL), then one per 500 names for the rest.
 */
import type { DeviceGroupSpec } from '../kinds/generated/v1/devicegroup.js';
import type { RolloutSpec, RolloutStatus } from '../kinds/generated/v1/rollout.js';
import type { StoredResource } from '../resources/model.js';
import { selectorRequirements } from '../resources/selector.js';
import { chunk, type Database, fromJsonColumn } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { TargetDevice } from './waves.js';

const DEVICES = 'rollout_devices';

export async function targetDevices(
  deps: { db: Database; store: ResourceStore },
  rollout: StoredResource<RolloutSpec, RolloutStatus>,
  version: string,
): Promise<TargetDevice[]> {
  const { tenant } = rollout;
  let selector = rollout.spec.target.selector;
  if (rollout.spec.target.groupRef) {
    const group = await deps.store.get({
      tenant,
      kind: 'DeviceGroup',
      name: rollout.spec.target.groupRef.name,
    });
    if (!group) throw new Error(`DeviceGroup "${rollout.spec.target.groupRef.name}" does not exist`);
    selector = (group.spec as unknown as DeviceGroupSpec).selector;
  }
  const resources = await deps.store.list(tenant, 'Device', {
    requirements: selectorRequirements(selector ?? {}),
  });
  const artifactName = rollout.spec.artifactRef.name;
  const knex = deps.db.knex;
  const records = new Map<
    string,
    {
      approval: string | null;
      installed_artifact: string | null;
      installed_version: string | null;
      attestation: unknown;
    }
  >();
  const busy = new Set<string>();
  for (const names of chunk(
    resources.map((device) => device.name),
    1,
    500,
  )) {
    const [recordRows, busyRows] = await Promise.all([
      knex('device_records')
        .where({ tenant })
        .whereIn('name', names)
        .select('name', 'approval', 'installed_artifact', 'installed_version', 'attestation'),
      knex(DEVICES)
        .where({ tenant, active: 1 })
        .whereNot('rollout_uid', rollout.uid)
        .whereIn('device', names)
        .pluck('device') as Promise<string[]>,
    ]);
    for (const row of recordRows) records.set(row.name, row);
    for (const name of busyRows) busy.add(name);
  }
  return resources.map((device) => {
    const record = records.get(device.name);
    const attestation = fromJsonColumn<{ attested?: boolean } | null>(record?.attestation) ?? null;
    return {
      name: device.name,
      platform: String((device.spec as { platform?: string }).platform ?? ''),
      attested: attestation?.attested === true,
      approved: record?.approval !== 'pending',
      deleting: device.deletionTimestamp !== null,
      busy: busy.has(device.name),
      installed: record?.installed_artifact === artifactName && record.installed_version === version,
    };
  });
}
