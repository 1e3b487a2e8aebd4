/**
 * The permission picker's model, as GitHub's fine-grained tokens offer it: each area none / read /
 * read & write, plus named actions as checkboxes. Areas are the kinds discovery lists and apply
 * sets; the named actions are those of the catalogue (src/auth/permissions.ts) an API key may
 * carry. Only what the creator holds is offered: the server would refuse the rest. Pure.
 */

export type Access = 'none' | 'read' | 'write';

export interface PickerCatalogue {
  /** Areas with `<area>:read` and `<area>:write`, in display order. */
  areas: string[];
  /** Named actions (`journal:read`, `rollouts:approve`…). */
  actions: string[];
}

export interface PermissionChoice {
  areas: Record<string, Access>;
  actions: string[];
}

/**
 * The catalogue has no endpoint of its own (an API gap): these are its named actions an API key
 * may carry (the operator role without the session-only ones), as src/auth/permissions.ts lists.
 */
const KEY_ACTIONS = [
  'journal:read',
  'journal:export',
  'metrics:read',
  'rollouts:approve',
  'devices:approve',
] as const;

/** Actions a read-only key holds (the readonly slot is the viewer role). */
const READ_ACTIONS = new Set(['journal:read', 'metrics:read']);

/** The picker's areas and actions for a creator holding `held`, kinds from discovery. */
export function pickerCatalogue(kindPlurals: readonly string[], held: readonly string[]): PickerCatalogue {
  const holds = new Set(held);
  const areas = [...kindPlurals, 'applysets'].filter((area) => holds.has(`${area}:read`));
  return { areas, actions: KEY_ACTIONS.filter((action) => holds.has(action)) };
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
    actions: catalogue.actions.filter((action) => READ_ACTIONS.has(action)),
  };
}

/** "Read & write all": every area at the most the creator holds, every action. */
export function readWriteAll(catalogue: PickerCatalogue, held: readonly string[]): PermissionChoice {
  return {
    areas: Object.fromEntries(catalogue.areas.map((area) => [area, maxAccess(area, held)])),
    actions: [...catalogue.actions],
  };
}

/** The permission list a choice means, sorted (write implies read, as GitHub's tokens do). */
export function permissionsOf(choice: PermissionChoice): string[] {
  const permissions = Object.entries(choice.areas).flatMap(([area, access]) =>
    access === 'none' ? [] : access === 'read' ? [`${area}:read`] : [`${area}:read`, `${area}:write`],
  );
  return [...new Set([...permissions, ...choice.actions])].sort();
}
