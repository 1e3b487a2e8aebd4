import { SetMetadata } from '@nestjs/common';

export const PERMISSION_KEY = 'steward:permission';

/**
 * Declares the one permission a route needs, next to the route. Besides concrete permissions
 * (`journal:read`), `{plural}` stands for the route's kind (`{plural}:read` on /api/v1/devices is
 * `devices:read`); `public` needs no credential; `authenticated` needs a credential and leaves
 * finer checks to the service (apply checks `<plural>:write` per kind in the batch); `session`
 * needs a login session (logout, password change: never an API key).
 * A route without a declaration is refused at start-up (see PermissionGuard), never open.
 */
export const Permission = (permission: string) => SetMetadata(PERMISSION_KEY, permission);
