import { AuthRoutes } from '../../routes/auth.routes.js';
import {
  CREATE_KEY_BODY,
  CREATE_TENANT_BODY,
  CREATE_USER_BODY,
  LOGIN_BODY,
  PASSWORD_CHANGE_BODY,
  UPDATE_USER_BODY,
} from '../../routes/identity-bodies.js';
import { KeyRoutes } from '../../routes/keys.routes.js';
import { TenantRoutes, UserRoutes } from '../../routes/users.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, listOf, object, STRING, TIME } from '../schema-builders.js';

/*
 * The OpenAPI shapes and operations of sessions, API keys, users and tenants. Request bodies are
 * the routes' own validation schemas (identity-bodies.ts), so the document cannot drift from what
 * the server accepts.
 */

const apiKey = object(
  {
    id: STRING,
    name: STRING,
    type: { enum: ['admin', 'readonly', 'fine-grained'] },
    slot: { type: ['string', 'null'], description: '`primary` or `secondary` for admin and readonly keys.' },
    prefix: described(STRING, 'The non-secret start of the key, to recognise it.'),
    permissions: { type: 'array', items: STRING },
    owner: STRING,
    createdAt: TIME,
    lastRotatedAt: { type: ['string', 'null'], format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
  },
  ['id', 'name', 'type', 'permissions', 'createdAt'],
  'An API key as listed: never its secret.',
);

export const IDENTITY_SHAPES: Record<string, JsonSchema> = {
  Session: object(
    {
      user: STRING,
      tenant: STRING,
      role: STRING,
      expiresAt: TIME,
      sessionToken: described(STRING, 'For `Authorization: Bearer` (the CLI); browsers use the cookie.'),
      csrfToken: described(STRING, 'Send it back in `X-CSRF-Token` on cookie-authenticated writes.'),
    },
    ['user', 'tenant', 'role', 'expiresAt', 'sessionToken', 'csrfToken'],
  ),
  Whoami: object(
    {
      user: STRING,
      tenant: STRING,
      role: STRING,
      permissions: { type: 'array', items: STRING },
      credential: object(
        {
          type: { enum: ['session', 'apikey'] },
          id: STRING,
          name: STRING,
          keyType: STRING,
          expiresAt: { type: ['string', 'null'], format: 'date-time' },
        },
        ['type', 'id'],
      ),
    },
    ['user', 'tenant', 'role', 'permissions', 'credential'],
  ),
  PermissionCatalogue: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'PermissionCatalogue' },
      tenant: STRING,
      items: {
        type: 'array',
        items: object(
          {
            name: described(STRING, '`<plural>:read|write` or a named action (`rollouts:approve`).'),
            area: STRING,
            access: { enum: ['read', 'write', 'action'] },
            description: STRING,
            roles: { type: 'array', items: { enum: ['viewer', 'operator', 'admin'] } },
            apiKey: described({ type: 'boolean' }, 'Whether an API key may be given it.'),
            sessionOnly: described({ type: 'boolean' }, 'Only a login session may exercise it.'),
          },
          ['name', 'area', 'access', 'description', 'roles', 'apiKey', 'sessionOnly'],
        ),
      },
      keyTypes: object(
        { admin: { type: 'array', items: STRING }, readonly: { type: 'array', items: STRING } },
        ['admin', 'readonly'],
        'The permissions of the admin and read-only key slots.',
      ),
    },
    ['apiVersion', 'kind', 'tenant', 'items', 'keyTypes'],
    'Every permission of the tenant, what it allows, who holds it.',
  ),
  APIKey: apiKey,
  APIKeyList: listOf('APIKeyList', ref('APIKey'), 'The API keys the caller may see.'),
  APIKeyWithSecret: {
    allOf: [ref('APIKey')],
    type: 'object',
    required: ['key'],
    properties: { key: described(STRING, 'The key itself: shown this once, only its hash is stored.') },
  },
  User: object({ username: STRING, role: STRING, createdAt: TIME }, ['username', 'role']),
  UserList: listOf('UserList', ref('User'), 'The users of the caller’s tenant.'),
  Tenant: object({ name: STRING, createdAt: TIME }, ['name']),
  TenantList: listOf('TenantList', ref('Tenant'), 'Every tenant.'),
  TenantCreated: object({ name: STRING, admin: STRING }, ['name', 'admin']),
};

export const IDENTITY_OPERATIONS: Array<[string, OperationEntry]> = [
  route(AuthRoutes, 'login', {
    tag: 'Auth',
    summary: 'Log in (open a session)',
    description:
      'Sets an httpOnly SameSite=Strict session cookie and a readable CSRF cookie for browsers, and answers the session token for the CLI.',
    request: { description: 'Credentials.', content: json(LOGIN_BODY) },
    response: { description: 'The session.', content: json(ref('Session')) },
    errors: [401, 429],
  }),
  route(AuthRoutes, 'logout', {
    tag: 'Auth',
    summary: 'Log out (end this session)',
    response: { description: 'The session is ended and its cookies cleared.' },
  }),
  route(AuthRoutes, 'me', {
    tag: 'Auth',
    summary: 'Who am I',
    response: { description: 'The caller, its permissions and credential.', content: json(ref('Whoami')) },
  }),
  route(AuthRoutes, 'permissions', {
    tag: 'Auth',
    summary: 'The permission catalogue',
    description:
      'Every permission of this tenant: what it allows, the roles that hold it, whether an API key may carry it or only a session. What the caller holds is `GET /auth/me`.',
    response: { description: 'The catalogue.', content: json(ref('PermissionCatalogue')) },
  }),
  route(AuthRoutes, 'password', {
    tag: 'Auth',
    summary: 'Change my password',
    description: 'Ends every other session of the user.',
    request: { description: 'The current and the new password.', content: json(PASSWORD_CHANGE_BODY) },
    response: { description: 'Changed.' },
  }),
  route(KeyRoutes, 'list', {
    tag: 'API keys',
    summary: 'List API keys',
    response: { description: 'Keys, never their secrets.', content: json(ref('APIKeyList')) },
  }),
  route(KeyRoutes, 'create', {
    tag: 'API keys',
    summary: 'Create an API key',
    description:
      'Admin and read-only slot keys also need `keys:admin`; a fine-grained key never holds more than its creator, and expires within a year.',
    request: { description: 'The key to create.', content: json(CREATE_KEY_BODY) },
    response: {
      description: 'The key, with its secret shown this once.',
      content: json(ref('APIKeyWithSecret')),
    },
    errors: [409],
  }),
  route(KeyRoutes, 'rotate', {
    tag: 'API keys',
    summary: 'Rotate an API key',
    response: { description: 'The new secret, shown this once.', content: json(ref('APIKeyWithSecret')) },
  }),
  route(KeyRoutes, 'revoke', {
    tag: 'API keys',
    summary: 'Revoke an API key',
    description: 'Takes effect on the next request.',
    response: { description: 'The revoked key.', content: json(ref('APIKey')) },
  }),
  route(UserRoutes, 'list', {
    tag: 'Users',
    summary: 'List users',
    response: { description: 'The users of the tenant.', content: json(ref('UserList')) },
  }),
  route(UserRoutes, 'create', {
    tag: 'Users',
    summary: 'Create a user',
    request: { description: 'The user.', content: json(CREATE_USER_BODY) },
    response: { description: 'Created.', content: json(ref('User')) },
    errors: [409],
  }),
  route(UserRoutes, 'update', {
    tag: 'Users',
    params: { name: 'The username.' },
    summary: 'Change a user’s role or password',
    description: 'A new password ends the user’s sessions; the tenant always keeps an admin.',
    request: { description: 'What changes.', content: json(UPDATE_USER_BODY) },
    response: { description: 'Updated.', content: json(ref('User')) },
    errors: [409],
  }),
  route(UserRoutes, 'remove', {
    tag: 'Users',
    params: { name: 'The username.' },
    summary: 'Delete a user',
    description: 'Ends their sessions and revokes the keys they created.',
    response: { description: 'Deleted.' },
    errors: [409],
  }),
  route(TenantRoutes, 'list', {
    tag: 'Tenants',
    summary: 'List tenants',
    response: { description: 'Every tenant.', content: json(ref('TenantList')) },
  }),
  route(TenantRoutes, 'create', {
    tag: 'Tenants',
    summary: 'Create a tenant and its first admin',
    request: { description: 'The tenant.', content: json(CREATE_TENANT_BODY) },
    response: { description: 'Created.', content: json(ref('TenantCreated')) },
    errors: [409],
  }),
];
