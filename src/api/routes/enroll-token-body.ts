import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APPROVALS,
  type CreateEnrollTokenInput,
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MAX_MAX_USES,
  MIN_EXPIRES_IN,
} from '../../devices/enroll-token-rules.js';
import { bodySchema } from '../../schema/request-body.js';
import { COMMON_SCHEMA_FILE, defaultSchemaDir } from '../../schema/schema-files.js';

/*
 * The body of POST /api/v1/enroll-tokens: the single source of its validation (every problem at
 * once, unknown fields refused) and of its OpenAPI description. What depends on the clock or the
 * database (an expiry in the past, a CA that does not exist) the service checks.
 */

/**
 * The label key and value rules of manifests (schemas/v1/common.json), read once: the labels a
 * token gives enrolled Devices must be labels their manifests accept.
 */
const LABEL_RULES = (() => {
  const file = join(defaultSchemaDir(), 'v1', COMMON_SCHEMA_FILE);
  const defs = (JSON.parse(readFileSync(file, 'utf8')) as { $defs: Record<string, Record<string, unknown>> })
    .$defs;
  const { examples: _keyExamples, ...labelKey } = defs.labelKey;
  const { examples: _valueExamples, ...labelValue } = defs.labelValue;
  return { labelKey, labelValue };
})();

/** RFC 3339 (`2026-06-01T12:00:00Z`, `…+02:00`); impossible dates are refused by the service. */
const RFC3339_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

export const CREATE_ENROLL_TOKEN_BODY = bodySchema<CreateEnrollTokenInput>({
  type: 'object',
  description:
    'Creates an enrollment token in the caller’s tenant; its plaintext is in this answer only. Devices ' +
    'that enroll with it get its labels, their identity from its CA, and are approved by it (`auto`) or ' +
    'wait for `devices:approve` (`manual`).',
  properties: {
    description: { type: ['string', 'null'], maxLength: 256, description: 'Free text for operators.' },
    maxUses: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: MAX_MAX_USES,
      errorMessage: `must be a whole number from 1 to ${MAX_MAX_USES}`,
      description: 'How many devices may enroll with it; default 1 (single use).',
    },
    expiresIn: {
      type: ['string', 'null'],
      maxLength: 32,
      pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$',
      patternErrorMessage:
        'must be a duration: a number followed by a unit (ms, s, m, h, d), e.g. "24h" or "7d"',
      'x-durationRange': { minimum: MIN_EXPIRES_IN, maximum: MAX_EXPIRES_IN },
      description: `Lifetime from now, ${MIN_EXPIRES_IN} to ${MAX_EXPIRES_IN}; default ${DEFAULT_EXPIRES_IN}. Not with expiresAt.`,
    },
    expiresAt: {
      type: ['string', 'null'],
      maxLength: 40,
      pattern: RFC3339_PATTERN,
      patternErrorMessage: 'must be an RFC 3339 time, e.g. "2026-06-01T12:00:00Z"',
      description: `When it expires: in the future, at most ${MAX_EXPIRES_IN} from now. Not with expiresIn.`,
    },
    labels: {
      type: ['object', 'null'],
      maxProperties: 64,
      propertyNames: LABEL_RULES.labelKey,
      additionalProperties: LABEL_RULES.labelValue,
      description: 'Labels every device enrolled with the token gets.',
    },
    caRef: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      patternErrorMessage: 'must be the name of a CertificateAuthority (a DNS-1123 label)',
      description:
        'The CertificateAuthority of the caller’s tenant that issues enrolled devices’ identities.',
    },
    approval: {
      enum: [...APPROVALS, null],
      description:
        '`auto` (default): enrolled devices are approved; `manual`: they wait for `devices:approve`.',
    },
  },
  required: ['caRef'],
  additionalProperties: false,
  // Reported with the other problems of the body, not after them.
  if: { properties: { expiresAt: { type: 'string' } }, required: ['expiresAt'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
  then: {
    properties: { expiresIn: { type: 'null', errorMessage: 'give expiresIn or expiresAt, not both' } },
  },
  examples: [
    { caRef: 'fleet-issuing', maxUses: 50, expiresIn: '72h', labels: { team: 'infra' }, approval: 'manual' },
    { caRef: 'fleet-issuing', description: 'laptop-042 reinstall' },
  ],
});
