import { AuthRoutes } from '../../routes/auth.routes.js';
import { KeyRoutes } from '../../routes/keys.routes.js';
import { TenantRoutes, UserRoutes } from '../../routes/users.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { described, listOf, object, STRING, TIME } from '../schema-builders.js';

/*
 * The OpenAPI shapes and operations of sessions, API keys, users and tenants. The request shapes
 * describe what the identity services accept; where a route validates its body with a JSON Schema
 * of its own, give that schema here instead (one with `$id` and `$defs` is embedded as components).
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
  Login: object(
    {
      username: STRING,
      password: { type: 'string', format: 'password' },
      tenant: described(STRING, 'Default: `default`.'),
    },
    ['username', 'password'],
  ),
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
  PasswordChange: object(
    {
      currentPassword: { type: 'string', format: 'password' },
      newPassword: { type: 'string', format: 'password' },
    },
    ['currentPassword', 'newPassword'],
  ),
  APIKey: apiKey,
  APIKeyList: listOf('APIKeyList', ref('APIKey'), 'The API keys the caller may see.'),
  APIKeyCreate: object({
    type: { enum: ['admin', 'readonly', 'fine-grained'] },
    slot: { enum: ['primary', 'secondary'] },
    name: STRING,
    permissions: {
      type: 'array',
      items: STRING,
      description: 'Fine-grained keys: never more than the creator holds.',
    },
    expiresInDays: { type: 'integer', minimum: 1, maximum: 365 },
  }),
  APIKeyWithSecret: {
    allOf: [ref('APIKey')],
    type: 'object',
    required: ['key'],
    properties: { key: described(STRING, 'The key itself: shown this once, only its hash is stored.') },
  },
  User: object({ username: STRING, role: STRING, createdAt: TIME }, ['username', 'role']),
  UserList: listOf('UserList', ref('User'), 'The users of the caller’s tenant.'),
  UserCreate: object(
    {
      username: STRING,
      password: { type: 'string', format: 'password' },
      role: { enum: ['viewer', 'operator', 'admin'] },
    },
    ['username', 'password'],
  ),
  UserUpdate: object({
    role: { enum: ['viewer', 'operator', 'admin'] },
    password: { type: 'string', format: 'password' },
  }),
  Tenant: object({ name: STRING, createdAt: TIME }, ['name']),
  TenantList: listOf('TenantList', ref('Tenant'), 'Every tenant.'),
  TenantCreate: object(
    {
      name: STRING,
      admin: object({ username: STRING, password: { type: 'string', format: 'password' } }, [
        'username',
        'password',
      ]),
    },
    ['name', 'admin'],
  ),
  TenantCreated: object({ name: STRING, admin: STRING }, ['name', 'admin']),
};

export const IDENTITY_OPERATIONS: Array<[string, OperationEntry]> = [
  route(AuthRoutes, 'login', {
    tag: 'Auth',
    summary: 'Log in (open a session)',
    description:
      'Sets an httpOnly SameSite=Strict session cookie and a readable CSRF cookie for browsers, and answers the session token for the CLI.',
    request: { description: 'Credentials.', content: json(ref('Login')) },
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
  route(AuthRoutes, 'password', {
    tag: 'Auth',
    summary: 'Change my password',
    description: 'Ends every other session of the user.',
    request: { description: 'The current and the new password.', content: json(ref('PasswordChange')) },
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
    request: { description: 'The key to create.', content: json(ref('APIKeyCreate')) },
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
    request: { description: 'The user.', content: json(ref('UserCreate')) },
    response: { description: 'Created.', content: json(ref('User')) },
    errors: [409],
  }),
  route(UserRoutes, 'update', {
    tag: 'Users',
    params: { name: 'The username.' },
    summary: 'Change a user’s role or password',
    description: 'A new password ends the user’s sessions; the tenant always keeps an admin.',
    request: { description: 'What changes.', content: json(ref('UserUpdate')) },
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
    request: { description: 'The tenant.', content: json(ref('TenantCreate')) },
    response: { description: 'Created.', content: json(ref('TenantCreated')) },
    errors: [409],
  }),
];
