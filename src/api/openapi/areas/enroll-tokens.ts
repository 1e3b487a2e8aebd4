import { CREATE_ENROLL_TOKEN_BODY } from '../../routes/enroll-token-body.js';
import { EnrollTokenRoutes } from '../../routes/enroll-tokens.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { described, INTEGER, listOf, object, STRING, TIME } from '../schema-builders.js';

/*
 * The OpenAPI shapes and operations of enrollment tokens. The request body is the route's own
 * validation schema (enroll-token-body.ts).
 */

const TAG = 'Enrollment tokens';
const ID = { id: 'Id of the enrollment token (16 hexadecimal digits).' };

export const ENROLL_TOKEN_SHAPES: Record<string, JsonSchema> = {
  EnrollToken: object(
    {
      id: STRING,
      description: { type: ['string', 'null'] },
      maxUses: INTEGER,
      uses: INTEGER,
      remaining: described(INTEGER, 'Uses left: maxUses − uses.'),
      expiresAt: TIME,
      expired: { type: 'boolean' },
      labels: { type: 'object', additionalProperties: STRING },
      caRef: described(STRING, 'The CertificateAuthority that issues enrolled devices’ identities.'),
      approval: { enum: ['auto', 'manual'] },
      createdBy: STRING,
      createdAt: TIME,
    },
    ['id', 'maxUses', 'uses', 'remaining', 'expiresAt', 'expired', 'labels', 'caRef', 'approval'],
    'An enrollment token as listed: never its secret nor its hash.',
  ),
  EnrollTokenList: listOf(
    'EnrollTokenList',
    ref('EnrollToken'),
    'The enrollment tokens of the caller’s tenant.',
  ),
  EnrollTokenWithSecret: {
    allOf: [ref('EnrollToken')],
    type: 'object',
    required: ['token'],
    properties: {
      token: described(
        STRING,
        'The token itself (`stw_enroll_<id>_<secret>`): shown this once, only a hash of its secret is stored.',
      ),
    },
  },
};

export const ENROLL_TOKEN_OPERATIONS: Array<[string, OperationEntry]> = [
  route(EnrollTokenRoutes, 'list', {
    tag: TAG,
    summary: 'List enrollment tokens',
    description:
      'Expired and used-up tokens are listed too. Session only: no API key can hold the permission.',
    response: { description: 'Tokens, never their secrets.', content: json(ref('EnrollTokenList')) },
  }),
  route(EnrollTokenRoutes, 'create', {
    tag: TAG,
    summary: 'Create an enrollment token',
    description:
      'Session only: no API key can hold the permission. `caRef` must name a CertificateAuthority of the tenant; the expiry is at most 8760h away. Journaled without the secret.',
    request: { description: 'The token to create.', content: json(CREATE_ENROLL_TOKEN_BODY) },
    response: {
      description: 'The token, with its plaintext shown this once.',
      content: json(ref('EnrollTokenWithSecret')),
    },
  }),
  route(EnrollTokenRoutes, 'remove', {
    tag: TAG,
    params: ID,
    summary: 'Delete an enrollment token',
    description: 'Devices can no longer enroll with it; those enrolled keep their identities.',
    response: { description: 'The deleted token.', content: json(ref('EnrollToken')) },
  }),
];
