import { type CreateKeyInput, KEY_SLOTS, MAX_KEY_DAYS } from '../../auth/api-key-service.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { ROLES } from '../../auth/permissions.js';
import type { LoginInput, PasswordChange } from '../../auth/session-service.js';
import type { NewTenant } from '../../auth/tenant-service.js';
import type { NewUser, UserChange } from '../../auth/user-service.js';
import { bodySchema } from '../../schema/request-body.js';

/*
 * The request bodies of the identity routes, one JSON Schema each: the single source of their
 * validation (every problem at once, unknown fields refused) and of their OpenAPI description.
 * Every string is bounded, those anyone can send to login first: a password is hashed by scrypt,
 * so its length is the cost an anonymous caller chooses.
 */

/** DNS-1123 label, as metadata.name of resources. */
const NAME = {
  type: 'string',
  maxLength: 63,
  pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
  patternErrorMessage: 'must be a DNS-1123 label (lower-case letters, digits, "-"; at most 63)',
};

const USERNAME = {
  type: 'string',
  maxLength: 63,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$',
  patternErrorMessage: 'must be 1 to 63 letters, digits, ".", "_", "@" or "-"',
};

const NEW_PASSWORD = {
  type: 'string',
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: MAX_PASSWORD_LENGTH,
  description: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters; only its scrypt hash is stored`,
};

/** A password presented to be checked: any non-empty one up to the longest a password can be. */
const PRESENTED_PASSWORD = { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH };

const ROLE = { enum: [...ROLES], description: 'viewer, operator or admin' };

/** Logout, key rotation and revocation take no fields; a body, if any, is `{}`. */
export const EMPTY_BODY = bodySchema<Record<string, never>>({
  type: 'object',
  description: 'no fields',
  additionalProperties: false,
});

export const LOGIN_BODY = bodySchema<LoginInput>({
  type: 'object',
  description: 'Opens a session. Unknown tenant, unknown user and wrong password get the same 401.',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 63 },
    password: PRESENTED_PASSWORD,
    tenant: { ...NAME, type: ['string', 'null'], description: 'default: the system tenant "default"' },
  },
  required: ['username', 'password'],
  additionalProperties: false,
  examples: [{ username: 'admin', password: 'a long password', tenant: 'default' }],
});

export const PASSWORD_CHANGE_BODY = bodySchema<PasswordChange>({
  type: 'object',
  description: "Changes the caller's own password; their other sessions end.",
  properties: { currentPassword: PRESENTED_PASSWORD, newPassword: NEW_PASSWORD },
  required: ['currentPassword', 'newPassword'],
  additionalProperties: false,
});

/** `name` of a slot key, if given, must be the slot's own name: one rule per type and slot. */
const SLOT_KEY_NAMES = (['admin', 'readonly'] as const).flatMap((type) =>
  KEY_SLOTS.map((slot) => ({
    if: {
      properties: {
        type: { const: type },
        // An absent (or null) slot is the primary one.
        slot: slot === 'primary' ? { enum: [slot, null] } : { const: slot },
      },
      required: slot === 'primary' ? ['type'] : ['type', 'slot'],
    },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
    then: {
      properties: {
        name: {
          enum: [`${type}-${slot}`, null],
          errorMessage: `must be ${type}-${slot} or omitted: a slot key is named after its slot`,
        },
      },
    },
  })),
);

export const CREATE_KEY_BODY = bodySchema<CreateKeyInput>({
  type: 'object',
  description:
    'Creates an API key; its plaintext is in this answer only. admin and readonly keys live in a slot ' +
    '(keys:admin); fine-grained keys carry chosen permissions, never more than the creator holds.',
  properties: {
    type: { enum: ['admin', 'readonly', 'fine-grained'] },
    slot: { enum: [...KEY_SLOTS, null], description: 'admin and readonly keys; default primary' },
    name: { ...NAME, type: ['string', 'null'], description: 'fine-grained keys: required, unique' },
    permissions: {
      type: ['array', 'null'],
      minItems: 1,
      maxItems: 256,
      items: { type: 'string', minLength: 1, maxLength: 128 },
      description: 'fine-grained keys: what the key may do, e.g. devices:read',
    },
    expiresInDays: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: MAX_KEY_DAYS,
      errorMessage: `must be a whole number of days from 1 to ${MAX_KEY_DAYS} (7, 30, 90, 365 or custom)`,
      description: 'fine-grained keys: default 30; admin and readonly keys: none unless given',
    },
  },
  required: ['type'],
  additionalProperties: false,
  allOf: [
    {
      if: { properties: { type: { const: 'fine-grained' } }, required: ['type'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      then: {
        required: ['name', 'permissions'],
        properties: {
          name: { type: 'string' },
          permissions: { type: 'array' },
          slot: { type: 'null', errorMessage: 'is only for admin and readonly keys' },
        },
      },
    },
    {
      if: { properties: { type: { enum: ['admin', 'readonly'] } }, required: ['type'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      then: {
        properties: { permissions: { type: 'null', errorMessage: 'is only for fine-grained keys' } },
      },
    },
    ...SLOT_KEY_NAMES,
  ],
  examples: [
    { type: 'fine-grained', name: 'ci', permissions: ['devices:write'], expiresInDays: 30 },
    { type: 'readonly', slot: 'secondary' },
  ],
});

export const CREATE_USER_BODY = bodySchema<NewUser>({
  type: 'object',
  description: "Creates a user in the caller's tenant.",
  properties: {
    username: USERNAME,
    password: NEW_PASSWORD,
    role: { ...ROLE, description: 'default viewer' },
  },
  required: ['username', 'password'],
  additionalProperties: false,
});

export const UPDATE_USER_BODY = bodySchema<UserChange>({
  type: 'object',
  description: "A new role applies from the next request; a new password ends the user's sessions.",
  properties: { role: ROLE, password: NEW_PASSWORD },
  additionalProperties: false,
});

export const CREATE_TENANT_BODY = bodySchema<NewTenant>({
  type: 'object',
  description: 'Creates a tenant with its first admin user.',
  properties: {
    name: NAME,
    admin: {
      type: 'object',
      properties: { username: USERNAME, password: NEW_PASSWORD },
      required: ['username', 'password'],
      additionalProperties: false,
    },
  },
  required: ['name', 'admin'],
  additionalProperties: false,
  examples: [{ name: 'acme', admin: { username: 'alice', password: 'a long password' } }],
});
