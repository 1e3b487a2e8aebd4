import type { KindNames } from '../../resources/kind.js';
import { ApplyRoutes } from '../routes/apply.routes.js';
import { AuthRoutes } from '../routes/auth.routes.js';
import { DiscoveryRoutes } from '../routes/discovery.routes.js';
import { HealthRoutes } from '../routes/health.routes.js';
import { JournalRoutes } from '../routes/journal.routes.js';
import { KeyRoutes } from '../routes/keys.routes.js';
import { MetricsRoutes } from '../routes/metrics.routes.js';
import { OpenApiRoutes } from '../routes/openapi.routes.js';
import { CertificateAuthorityRoutes, PublicPkiRoutes } from '../routes/pki.routes.js';
import { ResourceRoutes } from '../routes/resource.routes.js';
import { TenantRoutes, UserRoutes } from '../routes/users.routes.js';
import { JSON_TYPE, type JsonSchema, kindComponent, listComponent, ref } from './kind-schemas.js';

/** A query parameter of a route. */
export interface QueryParameter {
  name: string;
  description: string;
  schema?: JsonSchema;
}

/** The body of a request or an answer: a JSON Schema per media type (none: no body). */
export interface Body {
  description: string;
  content?: Record<string, JsonSchema>;
}

/**
 * What the OpenAPI document says of one route beyond what Nest's metadata holds (method, path,
 * permission, success status). Schemas are plain JSON Schema objects: `ref('Name')` for a shape of
 * shapes.ts, or any schema (a route's own request schema) inline.
 */
export interface OperationDoc {
  tag: string;
  summary: string;
  description?: string;
  /** Descriptions of path parameters whose generic one (`name`: the resource's name) would mislead. */
  params?: Record<string, string>;
  query?: QueryParameter[];
  request?: Body;
  response: Body;
  /** Error statuses this route answers beyond those its shape implies (401/403, 404, 400/413/415/422). */
  errors?: number[];
}

/** Routes under `/api/v1/{plural}` are documented once per kind. */
export type OperationEntry = OperationDoc | ((kind: KindNames) => OperationDoc);

type RouteClass = abstract new (...args: never[]) => unknown;

/** One row of the table, keyed as route-table.ts names handlers; a renamed method fails typecheck. */
function route<T extends RouteClass>(
  routes: T,
  method: keyof InstanceType<T> & string,
  entry: OperationEntry,
): [string, OperationEntry] {
  return [`${routes.name}.${method}`, entry];
}

const json = (schema: JsonSchema) => ({ [JSON_TYPE]: schema });
const PEM_CHAIN = { 'application/pem-certificate-chain': { type: 'string' } };
const DER_CRL = { 'application/pkix-crl': { type: 'string', contentMediaType: 'application/pkix-crl' } };
const YAML_STREAM = { type: 'string', description: 'One or more YAML documents separated by `---`.' };

const DRY_RUN: QueryParameter = {
  name: 'dryRun',
  description: '`true` (or `All`): validate and plan, change nothing and journal nothing.',
  schema: { enum: ['true', 'All', '1', 'false'] },
};
const LIMIT: QueryParameter = {
  name: 'limit',
  description: 'Page size (default 500, at most 5000).',
  schema: { type: 'integer', minimum: 1, maximum: 5000 },
};
const CONTINUE: QueryParameter = {
  name: 'continue',
  description: 'The `metadata.continue` token of the previous page.',
};

const MANIFESTS: Body = {
  description:
    'Manifests: one, an array, or a `List` as JSON; or a multi-document YAML stream (`Content-Type: application/yaml`).',
  content: {
    [JSON_TYPE]: ref('ManifestBatch'),
    'application/yaml': YAML_STREAM,
  },
};

const JOURNAL_FILTERS: QueryParameter[] = [
  { name: 'kind', description: 'Only entries of this kind.' },
  { name: 'name', description: 'Only entries of resources of this name.' },
  { name: 'actor', description: 'Actor id or name.' },
  { name: 'operation', description: 'e.g. `apply.created`, `delete`, `auth.login`.' },
  { name: 'result', description: 'e.g. `succeeded`, `denied`.' },
  { name: 'since', description: 'RFC 3339 time or a duration ago (`1h`, `7d`); inclusive.' },
  { name: 'until', description: 'RFC 3339 time or a duration ago; exclusive.' },
  LIMIT,
  CONTINUE,
];

/**
 * Every route's documentation, keyed by handler (`ApplyRoutes.apply`). test/api/openapi.test.ts
 * fails when a route has no row here or a row names no route.
 */
export const OPERATIONS: ReadonlyMap<string, OperationEntry> = new Map([
  route(HealthRoutes, 'healthz', {
    tag: 'Health',
    summary: 'Liveness',
    response: { description: 'The process serves requests.', content: json(ref('Health')) },
  }),
  route(HealthRoutes, 'readyz', {
    tag: 'Health',
    summary: 'Readiness',
    description: 'Ready when the database answers.',
    response: { description: 'Ready.', content: json(ref('Readiness')) },
    errors: [500],
  }),
  route(OpenApiRoutes, 'openapi', {
    tag: 'Discovery',
    summary: 'This OpenAPI document',
    description: 'Public: it describes the schemas and routes every Steward serves, nothing of any tenant.',
    response: { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) },
  }),
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
  route(DiscoveryRoutes, 'discovery', {
    tag: 'Discovery',
    summary: 'The kinds served',
    response: { description: 'Kinds and their names.', content: json(ref('APIResourceList')) },
  }),
  route(ApplyRoutes, 'apply', {
    tag: 'Apply',
    summary: 'Apply manifests',
    description:
      'Atomic: every document is validated (all problems reported at once, with document index, JSON pointer and, for YAML, line and column), then all are written in one transaction, or none. Needs `<plural>:write` for each kind in the batch.',
    query: [DRY_RUN],
    request: MANIFESTS,
    response: { description: 'What happened to each document.', content: json(ref('ApplyResult')) },
    errors: [409],
  }),
  route(ApplyRoutes, 'delete', {
    tag: 'Apply',
    summary: 'Delete the resources named by manifests',
    description:
      'Only `kind` and `metadata.name` of each document are read. Needs `<plural>:write` for each kind.',
    query: [DRY_RUN],
    request: MANIFESTS,
    response: { description: 'What happened to each document.', content: json(ref('DeleteResult')) },
    errors: [409],
  }),
  route(ResourceRoutes, 'list', (kind) => ({
    tag: kind.kind,
    summary: `List ${kind.kind} resources`,
    query: [
      { name: 'labelSelector', description: 'e.g. `team=infra,env in (prod,staging),!retired`.' },
      LIMIT,
      CONTINUE,
    ],
    response: {
      description: 'A page, by name.',
      content: json(ref(listComponent(kind.kind, kind.versions[0]))),
    },
  })),
  route(ResourceRoutes, 'get', (kind) => ({
    tag: kind.kind,
    summary: `Read a ${kind.kind}`,
    response: {
      description: 'The resource.',
      content: json(ref(kindComponent(kind.kind, kind.versions[0]))),
    },
  })),
  route(ResourceRoutes, 'remove', (kind) => ({
    tag: kind.kind,
    summary: `Delete a ${kind.kind}`,
    description:
      'With finalizers, the resource stays visible with `metadata.deletionTimestamp` until they ran.',
    query: [
      DRY_RUN,
      {
        name: 'resourceVersion',
        description: 'Delete only if the resource is still at this version (else 409).',
      },
    ],
    response: { description: 'Deleted, or being deleted.', content: json(ref('DeleteResult')) },
    errors: [409],
  })),
  route(JournalRoutes, 'history', (kind) => ({
    tag: kind.kind,
    summary: `The journal of one ${kind.kind}`,
    description: 'Newest first; answered for deleted resources too.',
    query: [LIMIT, CONTINUE],
    response: { description: 'A page of entries.', content: json(ref('JournalEntryList')) },
  })),
  route(JournalRoutes, 'list', {
    tag: 'Journal',
    summary: 'Query the journal',
    query: JOURNAL_FILTERS,
    response: { description: 'A page of entries.', content: json(ref('JournalEntryList')) },
  }),
  route(JournalRoutes, 'follow', {
    tag: 'Journal',
    summary: 'Follow the journal live (server-sent events)',
    description:
      '`id: <seq>` and `data: <entry JSON>` per entry, from `after` (or Last-Event-ID), else from now on. Comments carry keep-alives and reports of pruned or missing entries.',
    query: [{ name: 'after', description: 'Sequence number to follow from (exclusive).' }],
    response: {
      description: 'An endless event stream.',
      content: { 'text/event-stream': { type: 'string' } },
    },
  }),
  route(JournalRoutes, 'export', {
    tag: 'Journal',
    summary: 'Export the journal',
    description: 'Streamed page by page; the last line carries the chain head, for `verify` elsewhere.',
    query: [
      { name: 'format', description: '`ndjson` (default) or `csv`.', schema: { enum: ['ndjson', 'csv'] } },
    ],
    response: {
      description: 'Every entry.',
      content: { 'application/x-ndjson': { type: 'string' }, 'text/csv': { type: 'string' } },
    },
  }),
  route(JournalRoutes, 'verify', {
    tag: 'Journal',
    summary: 'Verify the hash chain',
    response: { description: 'Intact, or the first break.', content: json(ref('JournalVerification')) },
  }),
  route(JournalRoutes, 'settings', {
    tag: 'Journal',
    summary: 'Journal settings (retention, read journaling)',
    response: { description: 'The settings.', content: json(ref('JournalSettings')) },
  }),
  route(JournalRoutes, 'updateSettings', {
    tag: 'Journal',
    summary: 'Change the journal settings',
    description: 'The change is itself journaled.',
    request: { description: 'The settings to change.', content: json(ref('JournalSettingsUpdate')) },
    response: { description: 'The settings now.', content: json(ref('JournalSettings')) },
  }),
  route(MetricsRoutes, 'metrics', {
    tag: 'Metrics',
    summary: 'Prometheus metrics',
    description: 'Counts across tenants: `metrics:read` exists only in the system tenant.',
    response: {
      description: 'Prometheus text format 0.0.4.',
      content: { 'text/plain': { type: 'string' } },
    },
  }),
  route(CertificateAuthorityRoutes, 'chain', {
    tag: 'CertificateAuthority',
    summary: 'A CA’s certificate chain',
    description: 'The CA’s current certificate, then its issuers’ up to the root.',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(CertificateAuthorityRoutes, 'bundle', {
    tag: 'CertificateAuthority',
    summary: 'A CA’s trust bundle',
    description: 'Every certificate of the CA still valid (renewed ones stay until they expire).',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(CertificateAuthorityRoutes, 'crl', {
    tag: 'CertificateAuthority',
    summary: 'A CA’s certificate revocation list',
    query: [{ name: 'format', description: '`pem` for PEM; DER otherwise.', schema: { enum: ['pem'] } }],
    response: {
      description: 'DER, or PEM with `format=pem`.',
      content: { ...DER_CRL, 'application/x-pem-file': { type: 'string' } },
    },
  }),
  route(CertificateAuthorityRoutes, 'certificates', {
    tag: 'CertificateAuthority',
    summary: 'Certificates a CA issued',
    query: [LIMIT, CONTINUE],
    response: { description: 'A page.', content: json(ref('IssuedCertificateList')) },
  }),
  route(CertificateAuthorityRoutes, 'issue', {
    tag: 'CertificateAuthority',
    summary: 'Issue a certificate',
    description:
      'From a CSR or a public key; answered with the CA’s chain. 409 when the CA cannot issue (not Ready, expired).',
    request: { description: 'What to certify.', content: json(ref('CertificateRequest')) },
    response: { description: 'The certificate.', content: json(ref('IssuedCertificate')) },
    errors: [409],
  }),
  route(CertificateAuthorityRoutes, 'revoke', {
    tag: 'CertificateAuthority',
    summary: 'Revoke a certificate',
    description: 'Idempotent: a revoked certificate answers its revocation. The CRL is re-published.',
    request: { description: 'The certificate to revoke.', content: json(ref('RevocationRequest')) },
    response: { description: 'The revocation.', content: json(ref('Revocation')) },
    errors: [409],
  }),
  route(PublicPkiRoutes, 'chain', {
    tag: 'Public PKI',
    summary: 'A CA’s chain, for relying parties',
    response: { description: 'PEM.', content: PEM_CHAIN },
  }),
  route(PublicPkiRoutes, 'crl', {
    tag: 'Public PKI',
    summary: 'A CA’s CRL, for relying parties',
    description: 'The CRL Distribution Point of every certificate Steward issues.',
    response: { description: 'DER.', content: DER_CRL },
  }),
]);
