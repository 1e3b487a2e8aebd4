import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { PERMISSION_KEY } from './permission.js';

export interface RouteEntry {
  method: string;
  /** Full path with Nest's `:param` placeholders, e.g. `/api/v1/:plural/:name`. */
  path: string;
  permission: string | undefined;
  handler: string;
  /** The status of a success: `@HttpCode`, else Nest's default (201 for POST, 200 otherwise). */
  status: number;
}

function join(...parts: Array<string | undefined>): string {
  const path = parts
    .filter((part) => part !== undefined && part !== '' && part !== '/')
    .map((part) => String(part).replace(/^\/+|\/+$/g, ''))
    .join('/');
  return `/${path}`;
}

/** Every route of the given route classes with its declared permission, from Nest's metadata. */
export function routeTable(routes: ReadonlyArray<abstract new (...args: never[]) => unknown>): RouteEntry[] {
  const table: RouteEntry[] = [];
  for (const route of routes) {
    const prefix = Reflect.getMetadata(PATH_METADATA, route) as string | undefined;
    const prototype = route.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      table.push({
        method: RequestMethod[method],
        path: join(prefix, Reflect.getMetadata(PATH_METADATA, handler) as string | undefined),
        permission: Reflect.getMetadata(PERMISSION_KEY, handler) as string | undefined,
        handler: `${route.name}.${name}`,
        status:
          (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
          (method === RequestMethod.POST ? 201 : 200),
      });
    }
  }
  return table;
}

/** Refuses to start with a route that declares no permission: such a route would be open. */
export function assertRoutesDeclarePermissions(routes: Parameters<typeof routeTable>[0]): void {
  const open = routeTable(routes).filter((entry) => !entry.permission);
  if (open.length > 0)
    throw new Error(
      `routes without @Permission (refused, they would be open): ${open.map((e) => `${e.method} ${e.path} (${e.handler})`).join(', ')}`,
    );
}
