import { type Access, maxAccess, type PermissionChoice, type PickerCatalogue } from './permission-choices';

const LEVELS: Array<{ access: Access; label: string }> = [
  { access: 'none', label: 'None' },
  { access: 'read', label: 'Read' },
  { access: 'write', label: 'Read & write' },
];

/**
 * Per area none / read / read & write (radio groups, arrow keys move within one), named actions as
 * checkboxes. Levels the creator does not hold are disabled: the server would refuse them.
 */
export function PermissionPicker({
  catalogue,
  held,
  choice,
  onChange,
}: {
  catalogue: PickerCatalogue;
  held: readonly string[];
  choice: PermissionChoice;
  onChange: (choice: PermissionChoice) => void;
}) {
  const setArea = (area: string, access: Access) =>
    onChange({ ...choice, areas: { ...choice.areas, [area]: access } });
  const toggle = (action: string, on: boolean) =>
    onChange({
      ...choice,
      actions: on ? [...choice.actions, action] : choice.actions.filter((held) => held !== action),
    });
  return (
    <>
      <fieldset className="access-picker">
        <legend>Resource permissions</legend>
        {catalogue.areas.map((area) => (
          <div key={area} role="radiogroup" aria-label={`${area} access`} className="access-picker-row">
            <span>{area}</span>
            {LEVELS.map(({ access, label }) => (
              <label key={access} className="inline">
                <input
                  type="radio"
                  name={`access-${area}`}
                  value={access}
                  aria-label={`${area}: ${label}`}
                  checked={(choice.areas[area] ?? 'none') === access}
                  disabled={access === 'write' && maxAccess(area, held) !== 'write'}
                  onChange={() => setArea(area, access)}
                />{' '}
                {label}
              </label>
            ))}
          </div>
        ))}
      </fieldset>
      {catalogue.actions.length > 0 && (
        <fieldset className="access-actions">
          <legend>Actions</legend>
          {catalogue.actions.map(({ name, description }) => (
            <label key={name} className="inline" title={description}>
              <input
                type="checkbox"
                aria-description={description}
                checked={choice.actions.includes(name)}
                onChange={(event) => toggle(name, event.target.checked)}
              />{' '}
              {name}
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
}
