/**
 * The members of a DeviceGroup: the Devices its selector matches now, evaluated in SQL by the
 * resource store (never a load of the tenant's devices), paged by name like every list. The
 * group's `status.count` is the reconciler's count of the same query (controllers/device-group.ts).
 */
import type { OperationContext } from '../context.js';
import type { ResourceList } from '../contract/resource.js';
import { NotFoundError } from '../errors.js';
import type { ReadRecorder } from '../journal/read-journaling.js';
import type { DeviceGroupSpec } from '../kinds/generated/v1/devicegroup.js';
import { toManifest } from '../resources/model.js';
import { decodeContinue, encodeContinue, parseLimit } from '../resources/resource-queries.js';
import { selectorRequirements } from '../resources/selector.js';
import type { ResourceStore } from '../store/resource-store.js';

export class DeviceGroupMembers {
  constructor(
    private readonly store: ResourceStore,
    private readonly reads?: ReadRecorder,
  ) {}

  /**
   * One page of the group's member Devices (`DeviceList`, ordered by name). Needs
   * `devicegroups:read` (the group) and `devices:read` (what is listed): the second is checked
   * after the group is found, so a caller without it learns only what `devicegroups:read` shows.
   * NotFound for a group absent from the caller's tenant. Read-only; reads are journaled as the
   * tenant's read journaling asks (the group, then the device list).
   */
  async list(
    context: OperationContext,
    group: string,
    page: { limit?: string; continue?: string } = {},
  ): Promise<ResourceList> {
    context.authorize('devicegroups:read');
    const limit = parseLimit(page.limit);
    const after = page.continue ? decodeContinue(page.continue) : undefined;
    const resource = await this.store.get({ tenant: context.tenant, kind: 'DeviceGroup', name: group });
    if (!resource) throw new NotFoundError(`DeviceGroup "${group}" not found`);
    context.authorize('devices:read');
    const requirements = selectorRequirements((resource.spec as unknown as DeviceGroupSpec).selector);
    // One row more than the page tells whether another page follows, without a count query.
    const rows = await this.store.list(context.tenant, 'Device', { requirements, after, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const metadata: ResourceList['metadata'] = {};
    if (rows.length > limit) metadata.continue = encodeContinue(items[items.length - 1].name);
    await this.reads?.record(context, 'DeviceGroup', group);
    await this.reads?.record(context, 'Device');
    return { apiVersion: 'steward.dev/v1', kind: 'DeviceList', metadata, items: items.map(toManifest) };
  }
}
