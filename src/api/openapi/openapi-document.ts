import type { KindNames } from '../../resources/kind.js';
import type { RouteEntry } from '../route-table.js';
import {
  embedSchema,
  JSON_TYPE,
  type JsonSchema,
  type KindSchemaSource,
  kindComponent,
  kindSchemaComponents,
  listComponent,
  ref,
} from './kind-schemas.js';
import type { OperationDoc, OperationEntry } from './operation.js';
import { listOf } from './schema-builders.js';

/** Where the document is served; the interactive reference links to it. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/** The injection token of the document built at start. */
export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

/** One operation of the document (the fields Steward sets; OpenAPI allows more). */
export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  'x-steward-permission': string;
  security: Array<Record<string, string[]>>;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: JsonSchema;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

/** The document and its JSON text, serialized once (it never changes while the server runs). */
export interface PublishedDocument {
  document: OpenApiDocument;
  json: string;
}

export interface OpenApiInputs {
  /** `routeTable(ROUTES)`: method, path, permission and success status of every route. */
  routes: readonly RouteEntry[];
  /** What the document says of each route beyond Nest's metadata, by handler. */
  operations: ReadonlyMap<string, OperationEntry>;
  /** The API's own bodies (everything but manifests), by component name. */
  shapes: Readonly<Record<string, JsonSchema>>;
  kinds: readonly KindNames[];
  schemas: KindSchemaSource;
  /** Steward's version (package.json). */
  version: string;
}

/** The responses every error status refers to: one Status shape, one description each. */
const ERROR_RESPONSES: Record<number, [string, string]> = {
  400: ['BadRequest', 'The request could not be decoded (malformed JSON or YAML, a bad query parameter).'],
  401: ['Unauthorized', 'No credential, or one that is unknown, expired or revoked.'],
  403: ['Forbidden', 'The credential lacks the permission, which the message names.'],
  404: ['NotFound', 'No such resource in the caller’s tenant (other tenants’ names cannot be probed).'],
  409: ['Conflict', 'The request conflicts with the current state (a stale resourceVersion, a name taken).'],
  413: ['RequestEntityTooLarge', 'The body exceeds the size or document limit.'],
  415: ['UnsupportedMediaType', 'The body’s content type is not accepted.'],
  422: ['Invalid', 'The body decoded but is invalid: `details.causes` lists every problem.'],
  429: [
    'TooManyRequests',
    'Too many failed logins or authentications, or more refusals (403) than a credential’s budget a minute: retry after `details.retryAfterSeconds` (also the Retry-After header).',
  ],
  500: ['InternalError', 'A server fault; the message carries the request id to find it in the log.'],
};

const BEARER = 'bearerAuth';
const COOKIE = 'sessionCookie';
const CSRF = 'csrfHeader';

const SECURITY_SCHEMES: Record<string, JsonSchema> = {
  [BEARER]: {
    type: 'http',
    scheme: 'bearer',
    description:
      '`Authorization: Bearer <key>` with an API key, a session token (from `POST /api/v1/auth/login`, as the CLI does) or a token exchanged for an OIDC token. `Authorization: Token <key>` is accepted too.',
  },
  [COOKIE]: {
    type: 'apiKey',
    in: 'cookie',
    name: 'steward_session',
    description: 'The httpOnly session cookie set by `POST /api/v1/auth/login` (browsers).',
  },
  [CSRF]: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description:
      'With the session cookie, every write (any method but GET and HEAD) must echo the `csrfToken` of the login (also in the `steward_csrf` cookie).',
  },
};

const PATH_PARAMETERS: Record<string, string> = {
  name: 'Name of the resource.',
  id: 'Id of the API key.',
  tenant: 'Name of the tenant.',
  ca: 'Name of the CertificateAuthority.',
};

/** What each kind of declared permission means to a caller. */
function permissionText(permission: string): string {
  if (permission === 'public') return 'none: this route needs no credential.';
  if (permission === 'authenticated')
    return 'any valid credential; the operation checks finer permissions itself.';
  if (permission === 'session')
    return 'a login session (its cookie or its token); an API key is refused, so a leaked key cannot administer credentials.';
  return `\`${permission}\`.`;
}

/** `/api/v1/:plural/:name` → `/api/v1/devices/{name}` for the kind given. */
function openApiPath(path: string, kind: KindNames | undefined): string {
  const concrete = kind ? path.replace(':plural', kind.plural) : path;
  return concrete.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Builds the OpenAPI 3.1 document from the route table, the operations table and the kinds'
 * schemas. Routes under `/api/v1/{plural}` appear once per kind, with the kind's schema and its
 * resolved permission (`devices:read`), so every kind's schema is reachable from a path. Pure.
 *
 * @throws Error naming the handler when a route has no entry in `operations`, or an entry names no
 *   route: the document is complete or the server does not start.
 */
export function buildOpenApiDocument(inputs: OpenApiInputs): OpenApiDocument {
  const { routes, operations, kinds } = inputs;
  const handlers = new Set(routes.map((route) => route.handler));
  const stale = [...operations.keys()].filter((handler) => !handlers.has(handler));
  if (stale.length > 0) throw new Error(`OpenAPI operations name no route: ${stale.join(', ')}`);

  const schemas: Record<string, JsonSchema> = { ...inputs.shapes, ...kindComponents(inputs) };
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Map<string, string | undefined>();
  for (const route of routes) {
    const entry = operations.get(route.handler);
    if (entry === undefined)
      throw new Error(
        `route ${route.method} ${route.path} (${route.handler}) has no entry in the OpenAPI operations`,
      );
    if ('elsewhere' in entry) continue;
    const perKind = route.path.includes(':plural');
    for (const kind of perKind ? kinds : [undefined]) {
      const doc = typeof entry === 'function' ? entry(kind as KindNames) : entry;
      if (!tags.has(doc.tag)) tags.set(doc.tag, kind ? kindDescription(inputs, kind) : undefined);
      const path = openApiPath(route.path, kind);
      paths[path] ??= {};
      paths[path][route.method.toLowerCase()] = operation(route, doc, kind, schemas);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Steward API',
      version: inputs.version,
      description: [
        'The operator REST API of Steward, a declarative control plane for device fleets and their trust.',
        `Download this document: [openapi.json](${OPENAPI_PATH}).`,
        'Authenticate with an API key (or a session token) in **Authorize → bearerAuth**; every operation names the permission it needs. Errors are one shape everywhere: `Status`.',
      ].join('\n\n'),
    },
    tags: [...tags].map(([name, description]) => (description ? { name, description } : { name })),
    paths,
    components: {
      schemas,
      responses: Object.fromEntries(
        [...Object.values(ERROR_RESPONSES), ['Error', 'Any error: the same Status shape.']].map(
          ([name, description]) => [
            name,
            { description, content: { [JSON_TYPE]: { schema: ref('Status') } } },
          ],
        ),
      ),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

/** The kinds' schemas, their lists, and the batches apply and delete accept. */
function kindComponents(inputs: OpenApiInputs): Record<string, JsonSchema> {
  const components = kindSchemaComponents(inputs.kinds, inputs.schemas);
  const manifests: JsonSchema[] = [];
  for (const kind of inputs.kinds)
    for (const version of kind.versions) {
      const item = ref(kindComponent(kind.kind, version));
      manifests.push(item);
      components[listComponent(kind.kind, version)] = listOf(
        `${kind.kind}List`,
        item,
        `A page of ${kind.kind} resources, by name.`,
      );
    }
  components.Manifest = { description: 'A manifest of any kind served.', oneOf: manifests };
  components.ManifestBatch = {
    description: 'One manifest, an array of manifests, or a `List` of them.',
    oneOf: [
      ref('Manifest'),
      { type: 'array', items: ref('Manifest') },
      {
        type: 'object',
        required: ['kind', 'items'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { const: 'List' },
          items: { type: 'array', items: ref('Manifest') },
        },
      },
    ],
  };
  return components;
}

function kindDescription(inputs: OpenApiInputs, kind: KindNames): string | undefined {
  const schema = inputs.schemas.schemaFor(kind.kind, kind.versions[0]) as { description?: unknown };
  return typeof schema.description === 'string' ? schema.description : undefined;
}

/**
 * One operation. Schemas given with their own `$id` or `$defs` are added to `schemas` as
 * components named after the operation (`AuthRoutes.login.request`).
 */
function operation(
  route: RouteEntry,
  doc: OperationDoc,
  kind: KindNames | undefined,
  schemas: Record<string, JsonSchema>,
): OperationObject {
  const declared = route.permission as string;
  const permission = kind ? declared.replace('{plural}', kind.plural) : declared;
  const pathNames = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)]
    .map((match) => match[1] as string)
    .filter((name) => name !== 'plural' || kind === undefined);
  const parameters: JsonSchema[] = [
    ...pathNames.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: doc.params?.[name] ?? PATH_PARAMETERS[name] ?? name,
      schema: { type: 'string' },
    })),
    ...(doc.query ?? []).map((query) => ({
      name: query.name,
      in: 'query',
      required: false,
      description: query.description,
      schema: query.schema ?? { type: 'string' },
    })),
  ];
  const handler = kind ? `${route.handler}.${kind.plural}` : route.handler;
  const mediaTypes = (content: Record<string, JsonSchema>, part: string) =>
    Object.fromEntries(
      Object.entries(content).map(([type, schema], index) => [
        type,
        { schema: embedSchema(schemas, `${handler}.${part}${index > 0 ? index : ''}`, schema) },
      ]),
    );
  const errors = new Set(doc.errors ?? []);
  // 429: failed authentications per address, and refusals per credential, are budgeted.
  if (permission !== 'public') for (const code of [401, 403, 429]) errors.add(code);
  if (pathNames.length > 0) errors.add(404);
  if (doc.request) for (const code of [400, 413, 415, 422]) errors.add(code);
  const responses: Record<string, JsonSchema> = {
    [String(route.status)]: {
      description: doc.response.description,
      ...(doc.response.content ? { content: mediaTypes(doc.response.content, 'response') } : {}),
    },
  };
  for (const code of [...errors].sort((a, b) => a - b))
    responses[String(code)] = { $ref: `#/components/responses/${ERROR_RESPONSES[code]?.[0] ?? 'Error'}` };
  responses.default = { $ref: '#/components/responses/Error' };
  return {
    operationId: handler,
    tags: [doc.tag],
    summary: doc.summary,
    description: [doc.description, `**Permission:** ${permissionText(permission)}`]
      .filter(Boolean)
      .join('\n\n'),
    'x-steward-permission': permission,
    security: securityOf(permission, route.method),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.request
      ? {
          requestBody: {
            required: true,
            description: doc.request.description,
            content: mediaTypes(doc.request.content ?? {}, 'request'),
          },
        }
      : {}),
    responses,
  };
}

/** Public routes need nothing; others a bearer credential or the session cookie (with CSRF on writes). */
function securityOf(permission: string, method: string): Array<Record<string, string[]>> {
  if (permission === 'public') return [];
  const safe = method === 'GET' || method === 'HEAD';
  return [{ [BEARER]: [] }, safe ? { [COOKIE]: [] } : { [COOKIE]: [], [CSRF]: [] }];
}
