import { type JsonSchema, ref } from './kind-schemas.js';

/**
 * The JSON Schemas of the API's own bodies (everything that is not a manifest), as OpenAPI
 * components. Answers are described without `additionalProperties: false`: a field added to an
 * answer is not a breaking change, and clients must ignore what they do not know. Request bodies
 * are described as the services accept them (they reject unknown fields themselves).
 */

const API_VERSION: JsonSchema = { const: 'steward.dev/v1', description: 'Always `steward.dev/v1`.' };
const TIME: JsonSchema = { type: 'string', format: 'date-time' };
const STRING: JsonSchema = { type: 'string' };
const INTEGER: JsonSchema = { type: 'integer' };

/** An object with `required` listing the given names. */
function object(
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  description?: string,
): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    ...(required.length > 0 ? { required } : {}),
    properties,
  };
}

function described(schema: JsonSchema, description: string): JsonSchema {
  return { ...schema, description };
}

/** `{apiVersion, kind: <kind>, items, metadata: {continue}}`, the shape of every list. */
export function listOf(kind: string, item: JsonSchema, description: string): JsonSchema {
  return object(
    {
      apiVersion: API_VERSION,
      kind: { const: kind },
      items: { type: 'array', items: item },
      metadata: ref('ListMetadata'),
    },
    ['apiVersion', 'kind', 'items'],
    description,
  );
}

const continueMetadata = object({
  continue: described(
    STRING,
    'Opaque token: pass it as `continue` for the next page; absent on the last page.',
  ),
  remainingItemCount: INTEGER,
});

const fieldProblem = object(
  {
    document: described(INTEGER, 'Index of the document in the request (0-based), when it carried several.'),
    pointer: described(STRING, "JSON pointer to the offending field ('' for the whole document)."),
    message: STRING,
    source: described(STRING, 'Where the document came from, when known.'),
    line: described(INTEGER, '1-based line, when the input was YAML.'),
    column: described(INTEGER, '1-based column, when the input was YAML.'),
  },
  ['pointer', 'message'],
  'One problem with one field of one document; every problem of a request is reported at once.',
);

const status = object(
  {
    apiVersion: API_VERSION,
    kind: { const: 'Status' },
    code: described(INTEGER, 'The HTTP status code.'),
    reason: described(STRING, 'Machine-readable reason in PascalCase (`Invalid`, `NotFound`, `Forbidden`…).'),
    message: described(STRING, 'For people; a missing permission is named here.'),
    details: {
      type: 'object',
      properties: {
        causes: { type: 'array', items: ref('FieldProblem') },
        retryAfterSeconds: INTEGER,
      },
    },
  },
  ['apiVersion', 'kind', 'code', 'reason', 'message'],
  'The one error shape of every route (after Kubernetes’ Status).',
);

const itemRef = object({ index: INTEGER, kind: STRING, name: STRING }, ['index', 'kind', 'name']);

const applyResult = object(
  {
    apiVersion: API_VERSION,
    kind: { const: 'ApplyResult' },
    dryRun: { type: 'boolean' },
    changeset: described(STRING, 'Shared by every journal entry of this apply.'),
    items: {
      type: 'array',
      items: {
        ...itemRef,
        required: ['index', 'kind', 'name', 'result', 'generation', 'resourceVersion'],
        properties: {
          ...(itemRef.properties as object),
          result: { enum: ['created', 'configured', 'unchanged'] },
          generation: INTEGER,
          resourceVersion: STRING,
        },
      },
    },
  },
  ['apiVersion', 'kind', 'dryRun', 'items'],
  'What an apply did (or, with dryRun, would do) to each document, in request order.',
);

const deleteResult = object(
  {
    apiVersion: API_VERSION,
    kind: { const: 'DeleteResult' },
    dryRun: { type: 'boolean' },
    items: {
      type: 'array',
      items: {
        ...itemRef,
        required: ['index', 'kind', 'name', 'result'],
        properties: {
          ...(itemRef.properties as object),
          result: described(
            { enum: ['deleted', 'deleting', 'notFound'] },
            '`deleting`: finalizers still run; the resource stays visible with metadata.deletionTimestamp.',
          ),
        },
      },
    },
  },
  ['apiVersion', 'kind', 'dryRun', 'items'],
);

const journalEntry = object(
  {
    tenant: STRING,
    seq: described(INTEGER, 'Monotonically increasing per tenant.'),
    time: TIME,
    actor: object({ type: STRING, id: STRING, name: STRING }, ['type', 'id', 'name']),
    requestId: STRING,
    source: { type: ['string', 'null'] },
    operation: STRING,
    kind: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    generation: { type: ['integer', 'null'] },
    result: STRING,
    reason: { type: ['string', 'null'] },
    changeset: { type: ['string', 'null'] },
    changes: {
      type: 'array',
      description: 'Field-level change summary (secrets never enter it).',
      items: object({ pointer: STRING, old: {}, new: {} }, ['pointer']),
    },
    prevHash: described(STRING, 'Hash of the previous entry of the tenant (hash chain).'),
    hash: described(STRING, 'SHA-256 of this entry’s canonical JSON.'),
  },
  ['tenant', 'seq', 'time', 'actor', 'operation', 'result', 'prevHash', 'hash'],
  'One journal entry.',
);

const journalSettingsFields = {
  retentionDays: described(
    { type: 'integer', minimum: 1, maximum: 36500 },
    'Entries older than this many days are pruned (never the head).',
  ),
  readJournaling: described(
    { enum: ['none', 'metadata'] },
    '`metadata`: every read of a resource is journaled.',
  ),
};

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

const issuedCertificateItem = object(
  {
    serial: STRING,
    subject: STRING,
    profile: STRING,
    notBefore: TIME,
    notAfter: TIME,
    fingerprint: STRING,
    issuedAt: TIME,
    state: { enum: ['valid', 'revoked', 'expired'] },
    owner: object({ kind: STRING, name: STRING }),
    revocation: object({ revokedAt: TIME, reason: STRING }),
  },
  ['serial', 'subject', 'notBefore', 'notAfter', 'state'],
);

const PEM = described(STRING, 'PEM text.');

/** Every shape above, by component name. */
export const API_SHAPES: Record<string, JsonSchema> = {
  Status: status,
  FieldProblem: fieldProblem,
  ListMetadata: continueMetadata,
  ApplyResult: applyResult,
  DeleteResult: deleteResult,
  APIResourceList: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'APIResourceList' },
      resources: {
        type: 'array',
        items: object(
          {
            kind: STRING,
            plural: STRING,
            singular: STRING,
            shortNames: { type: 'array', items: STRING },
            versions: { type: 'array', items: STRING },
          },
          ['kind', 'plural', 'singular', 'shortNames', 'versions'],
        ),
      },
    },
    ['apiVersion', 'kind', 'resources'],
    'The kinds served and their names.',
  ),
  JournalEntry: journalEntry,
  JournalEntryList: listOf('JournalEntryList', ref('JournalEntry'), 'A page of journal entries.'),
  JournalVerification: object(
    {
      ok: { type: 'boolean' },
      checked: described(INTEGER, 'Entries verified intact before the first break (all of them when ok).'),
      firstBrokenSeq: INTEGER,
      message: STRING,
    },
    ['ok', 'checked', 'message'],
  ),
  JournalSettings: object(
    { apiVersion: API_VERSION, kind: { const: 'JournalSettings' }, tenant: STRING, ...journalSettingsFields },
    ['apiVersion', 'kind', 'tenant', 'retentionDays', 'readJournaling'],
  ),
  JournalSettingsUpdate: object(
    journalSettingsFields,
    [],
    'Members left out keep their value; `apiVersion`, `kind` and `tenant` (a GET’s answer sent back) are ignored.',
  ),
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
  CertificateRequest: object(
    {
      csr: described(PEM, 'A PKCS#10 request (PEM); or give `publicKey` and `subject`.'),
      publicKey: described(PEM, 'A SubjectPublicKeyInfo (PEM).'),
      subject: object({
        commonName: STRING,
        organization: STRING,
        organizationalUnit: STRING,
        country: STRING,
        province: STRING,
        locality: STRING,
      }),
      subjectAltNames: object({
        dnsNames: { type: 'array', items: STRING },
        uris: { type: 'array', items: STRING },
        emails: { type: 'array', items: STRING },
        ipAddresses: { type: 'array', items: STRING },
      }),
      profile: { enum: ['client', 'server', 'device'] },
      validity: described(STRING, 'A duration (`720h`); at most the CA’s leaf validity.'),
      owner: object({ kind: STRING, name: STRING }),
    },
    [],
    'A CSR or a public key, and what to put in the certificate.',
  ),
  IssuedCertificate: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'IssuedCertificate' },
      serial: STRING,
      subject: STRING,
      notBefore: TIME,
      notAfter: TIME,
      fingerprint: STRING,
      clipped: described({ type: 'boolean' }, 'True when the validity was cut to the CA’s own.'),
      certificate: PEM,
      chain: described(PEM, 'The CA’s chain, up to its root.'),
    },
    ['apiVersion', 'kind', 'serial', 'certificate', 'chain'],
  ),
  IssuedCertificateItem: issuedCertificateItem,
  IssuedCertificateList: listOf(
    'IssuedCertificateList',
    ref('IssuedCertificateItem'),
    'Certificates a CA issued.',
  ),
  RevocationRequest: object(
    {
      serial: described(STRING, 'Hexadecimal serial number.'),
      reason: described(STRING, 'An RFC 5280 reason name; default `unspecified`.'),
    },
    ['serial'],
  ),
  Revocation: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'Revocation' },
      serial: STRING,
      revokedAt: TIME,
      reason: STRING,
      alreadyRevoked: described(
        { type: 'boolean' },
        'True when it was revoked before this call (nothing changed).',
      ),
    },
    ['apiVersion', 'kind', 'serial', 'revokedAt', 'reason', 'alreadyRevoked'],
  ),
  Health: object({ status: { const: 'ok' } }, ['status']),
  Readiness: object({ status: { const: 'ready' }, database: STRING }, ['status', 'database']),
};
