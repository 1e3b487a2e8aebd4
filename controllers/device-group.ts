/**
 * DeviceGroup: resolves its membership. The selector is evaluated in SQL (a count, never a load of
 * devices) into `status.count`.
 *
 * Wake-ups: any user write (apply, delete) of a Device wakes every DeviceGroup of that tenant.
 * Only writes, not device status writes: membership depends on labels, which only users write.
 * Narrowing to groups whose selector keys meet the device's changed labels would need the labels
 * a device had before the write, which the queue (keys only) does not carry; since keys are
 * de-duplicated while waiting, a burst of device writes costs each group one reconcile.
 */
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { ready } from '../src/engine/controller.js';
import type { DeviceGroupSpec, DeviceGroupStatus } from '../src/kinds/generated/v1/devicegroup.js';
import { selectorRequirements } from '../src/resources/selector.js';

export const DeviceGroupReason = {
  MembershipResolved: 'MembershipResolved',
} as const;

/** The status of a group with `count` members. Pure. */
export function groupStatus(count: number): ReconcileResult<DeviceGroupStatus> {
  return {
    status: { count },
    conditions: [
      ready(
        'True',
        DeviceGroupReason.MembershipResolved,
        `${count} device${count === 1 ? '' : 's'} match the selector`,
      ),
    ],
  };
}

/** Observes the member count. */
export const deviceGroupController: Controller<DeviceGroupSpec, DeviceGroupStatus, number> = {
  kind: 'DeviceGroup',
  watches: [
    {
      kind: 'Device',
      statusChanges: false,
      map: (changed, lookup) => lookup.allOf('DeviceGroup', [...new Set(changed.map((key) => key.tenant))]),
    },
  ],
  observe: (group, { read }) => read.count('Device', selectorRequirements(group.spec.selector)),
  plan: (_group, count) => groupStatus(count),
};
