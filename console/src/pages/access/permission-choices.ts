/**
 * The permission picker's model, as GitHub's fine-grained tokens offer it: each area none / read /
 * read & write, plus named actions as checkboxes. Both come from the server's permission catalogue
 * (`GET /api/v1/auth/permissions`): areas are the `<area>:read`/`<area>:write` pairs an API key
 * may carry (every kind, apply sets), actions the other permissions a key may carry. Only what
 * the creator holds is offered: the server would refuse the rest. Pure.
 */

export type Access = 'none' | 'read' | 'write';

/** A permission as the catalogue endpoint describes it (the fields the picker reads). */
export interface CataloguePermission {
  name: string;
  area: string;
  description: string;
  apiKey: boolean;
}

export interface PermissionCatalogueView {
  items: CataloguePermission[];
  keyTypes: { admin: string[]; readonly: string[] };
}

export interface PickerCatalogue {
  /** Areas with `<area>:read` and `<area>:write`, in the catalogue's order. */
  areas: string[];
  /** Named actions (`journal:read`, `rollouts:approve`…) with what each allows. */
  actions: Array<{ name: string; description: string }>;
  /** Actions a read-only key holds: what "Read all" adds to every area's read. */
  readActions: string[];
}

export interface PermissionChoice {
  areas: Record<string, Access>;
  actions: string[];
}

/** The picker's areas and actions for a creator holding `held`, from the server's catalogue. */
export function pickerCatalogue(
  catalogue: PermissionCatalogueView,
  held: readonly string[],
): PickerCatalogue {
  const holds = new Set(held);
  const forKeys = catalogue.items.filter((permission) => permission.apiKey);
  const names = new Set(forKeys.map((permission) => permission.name));
  const paired = (area: string) => names.has(`${area}:read`) && names.has(`${area}:write`);
  const areas = [...new Set(forKeys.map((permission) => permission.area))].filter(
    (area) => paired(area) && holds.has(`${area}:read`),
  );
  const actions = forKeys
    .filter((permission) => !paired(permission.area) && holds.has(permission.name))
    .map(({ name, description }) => ({ name, description }));
  return { areas, actions, readActions: catalogue.keyTypes.readonly };
}

/** The most the creator may give an area: write only when they hold it. */
export function maxAccess(area: string, held: readonly string[]): Access {
  if (held.includes(`${area}:write`)) return 'write';
  return held.includes(`${area}:read`) ? 'read' : 'none';
}

export function emptyChoice(catalogue: PickerCatalogue): PermissionChoice {
  return { areas: Object.fromEntries(catalogue.areas.map((area) => [area, 'none'])), actions: [] };
}

/** "Read all": every area read, and the read-only actions (what a readonly slot key holds). */
export function readAll(catalogue: PickerCatalogue): PermissionChoice {
  return {
    areas: Object.fromEntries(catalogue.areas.map((area) => [area, 'read'])),
    actions: catalogue.actions
      .map((action) => action.name)
      .filter((name) => catalogue.readActions.includes(name)),
  };
}

/** "Read & write all": every area at the most the creator holds, every action. */
export function readWriteAll(catalogue: PickerCatalogue, held: readonly string[]): PermissionChoice {
  return {
    areas: Object.fromEntries(catalogue.areas.map((area) => [area, maxAccess(area, held)])),
    actions: catalogue.actions.map((action) => action.name),
  };
}

/** The permission list a choice means, sorted (write implies read, as GitHub's tokens do). */
export function permissionsOf(choice: PermissionChoice): string[] {
  const permissions = Object.entries(choice.areas).flatMap(([area, access]) =>
    access === 'none' ? [] : access === 'read' ? [`${area}:read`] : [`${area}:read`, `${area}:write`],
  );
  return [...new Set([...permissions, ...choice.actions])].sort();
}
