import { ARTIFACT_PATCH_BODY } from '../../../artifacts/artifact-patch.js';
import { SBOM_MAX_BYTES } from '../../../artifacts/sbom.js';
import { ArtifactRoutes, SigningKeyRoutes } from '../../routes/artifacts.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, INTEGER, listOf, object, STRING, TIME } from '../schema-builders.js';

/* The OpenAPI shapes and operations of artifact signatures, SBOMs and update-signing keys. */

const ARTIFACT = { name: 'Name of the Artifact.' };
const KEY_ID = described(
  STRING,
  '`sha256:` and the first 32 hex digits of the SHA-256 of the DER public key.',
);
const SBOM_DOCUMENT: JsonSchema = {
  type: 'object',
  description: 'An SPDX 2.x or CycloneDX 1.x JSON document.',
};

export const ARTIFACT_SHAPES: Record<string, JsonSchema> = {
  ArtifactSignature: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'ArtifactSignature' },
      name: STRING,
      uid: described(STRING, 'The uid of the Artifact it was made for.'),
      keyId: KEY_ID,
      algorithm: { const: 'Ed25519' },
      signature: described(STRING, 'base64 of the Ed25519 signature (64 bytes) over `payload`.'),
      payload: described(
        STRING,
        'The exact text signed: canonical JSON of the name and the signed spec fields.',
      ),
      signedAt: TIME,
      publicKeyPem: described(STRING, 'The public key of `keyId` (PEM SubjectPublicKeyInfo).'),
    },
    [
      'apiVersion',
      'kind',
      'name',
      'uid',
      'keyId',
      'algorithm',
      'signature',
      'payload',
      'signedAt',
      'publicKeyPem',
    ],
  ),
  ArtifactSbom: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'ArtifactSbom' },
      name: STRING,
      uid: STRING,
      format: { enum: ['spdx', 'cyclonedx'] },
      contentType: described(STRING, 'The media type it is served with.'),
      size: described(INTEGER, 'Bytes.'),
      sha256: described(STRING, 'Hex SHA-256 of the document.'),
      uploadedBy: STRING,
      uploadedAt: TIME,
    },
    [
      'apiVersion',
      'kind',
      'name',
      'uid',
      'format',
      'contentType',
      'size',
      'sha256',
      'uploadedBy',
      'uploadedAt',
    ],
    'An attached SBOM, without the document.',
  ),
  SigningKey: object(
    {
      keyId: KEY_ID,
      algorithm: { const: 'Ed25519' },
      publicKeyPem: STRING,
      createdAt: TIME,
      retiredAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When a rotation retired it.',
      },
      current: described({ type: 'boolean' }, 'True for the one key that signs new artifacts.'),
    },
    ['keyId', 'algorithm', 'publicKeyPem', 'createdAt', 'retiredAt', 'current'],
    'An update-signing key: public material and validity only.',
  ),
  SigningKeyList: listOf(
    'SigningKeyList',
    ref('SigningKey'),
    'The update-signing keys of the tenant, oldest first.',
  ),
};

export const ARTIFACT_OPERATIONS: Array<[string, OperationEntry]> = [
  route(ArtifactRoutes, 'update', {
    tag: 'Artifact',
    summary: "Change a published artifact's labels, annotations or description",
    description:
      'A JSON merge patch (null removes), applied like a manifest (validated, journaled, a conflict if the Artifact changed meanwhile). The rest of the spec is signed and immutable: publish a new version as a new Artifact.',
    params: ARTIFACT,
    request: { description: 'What to change.', content: json(ARTIFACT_PATCH_BODY) },
    response: {
      description: 'The Artifact as it is now.',
      content: json({
        type: 'object',
        description: 'The Artifact, as GET /api/v1/artifacts/{name} answers it.',
      }),
    },
    errors: [409],
  }),
  route(ArtifactRoutes, 'signature', {
    tag: 'Artifact',
    summary: "An artifact's signature",
    description:
      'Made by the tenant’s update-signing key when the Artifact was published, before any record of it existed. Verify it with `steward artifact verify`, or with openssl over `payload` (docs/artifacts.md). 404 for an artifact stored before artifacts were signed.',
    params: ARTIFACT,
    response: {
      description: 'The signature, its payload and its key.',
      content: json(ref('ArtifactSignature')),
    },
  }),
  route(ArtifactRoutes, 'attachSbom', {
    tag: 'Artifact',
    summary: 'Attach an SBOM to an artifact',
    description: `Replaces the SBOM attached before. SPDX (\`application/spdx+json\`) or CycloneDX (\`application/vnd.cyclonedx+json\`) JSON; \`application/json\` is accepted with the format detected from its fields. At most ${SBOM_MAX_BYTES} bytes (413 beyond); 400 when not JSON, 422 when not its format's document, 415 for another content type. Journaled (\`attach\`) with format, size and SHA-256, never the document.`,
    params: ARTIFACT,
    request: {
      description: 'The SBOM document.',
      content: {
        'application/spdx+json': SBOM_DOCUMENT,
        'application/vnd.cyclonedx+json': SBOM_DOCUMENT,
        'application/json': SBOM_DOCUMENT,
      },
    },
    response: { description: 'The attached SBOM, without the document.', content: json(ref('ArtifactSbom')) },
  }),
  route(ArtifactRoutes, 'sbom', {
    tag: 'Artifact',
    summary: "Download an artifact's SBOM",
    description:
      'The document as attached, in its format’s media type; `Repr-Digest` carries its SHA-256. 404 when none is attached.',
    params: ARTIFACT,
    response: {
      description: 'The SBOM.',
      content: { 'application/spdx+json': SBOM_DOCUMENT, 'application/vnd.cyclonedx+json': SBOM_DOCUMENT },
    },
  }),
  route(SigningKeyRoutes, 'list', {
    tag: 'Signing keys',
    summary: 'List the update-signing keys',
    description: 'Retired keys stay listed with their validity: what they signed still verifies.',
    response: { description: 'The keys, oldest first.', content: json(ref('SigningKeyList')) },
  }),
  route(SigningKeyRoutes, 'rotate', {
    tag: 'Signing keys',
    summary: 'Rotate the update-signing key',
    description:
      'Retires the current key (it signs nothing more and stays listed) and makes a new one, which signs every artifact published from now on. Journaled (`rotate`, SigningKey). Admins only.',
    response: {
      description: 'The new current key.',
      content: json({
        allOf: [ref('SigningKey')],
        type: 'object',
        properties: { apiVersion: API_VERSION, kind: { const: 'SigningKey' } },
      }),
    },
  }),
];
