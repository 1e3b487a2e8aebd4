import { ApplySetRoutes } from '../../routes/applysets.routes.js';
import { type JsonSchema, ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, INTEGER, object, STRING, TIME } from '../schema-builders.js';
import { DRY_RUN } from './core.js';

/* The OpenAPI shapes and operations of apply sets (docs/gitops.md). */

const summary = {
  name: STRING,
  members: described(INTEGER, 'Resources the set owns.'),
  drifted: described(INTEGER, 'Members changed since the set last applied them.'),
  lastChangeset: described(STRING, 'The changeset of its last apply.'),
  lastAppliedAt: TIME,
  lastAppliedBy: described(STRING, 'Who made its last apply (`<actor type>:<name>`).'),
};

export const APPLYSET_SHAPES: Record<string, JsonSchema> = {
  ApplySetList: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'ApplySetList' },
      items: { type: 'array', items: object(summary, ['name', 'members', 'lastChangeset', 'lastAppliedAt']) },
    },
    ['apiVersion', 'kind', 'items'],
  ),
  ApplySet: object(
    {
      ...summary,
      items: {
        type: 'array',
        items: object(
          {
            kind: STRING,
            name: STRING,
            appliedGeneration: described(INTEGER, 'The generation its last apply by the set left it at.'),
            generation: described(INTEGER, 'Its generation now (absent when it was deleted).'),
            drifted: described(
              { type: 'boolean' },
              'Changed (spec, labels or annotations) since the set last applied it, by someone else.',
            ),
            driftedBy: object(
              { actor: STRING, seq: STRING, time: TIME, changeset: STRING, operation: STRING },
              ['actor', 'seq', 'time', 'operation'],
              'The journal entry of its latest change (only for callers holding journal:read).',
            ),
            appliedChangeset: STRING,
          },
          ['kind', 'name', 'appliedGeneration', 'appliedChangeset'],
        ),
      },
    },
    ['name', 'members', 'items'],
    'An apply set with its members.',
  ),
  ApplySetDeletion: object(
    {
      name: STRING,
      orphaned: described(INTEGER, 'Members left in place, in no apply set.'),
      deletions: {
        type: 'array',
        items: object({ kind: STRING, name: STRING, result: STRING }, ['kind', 'name', 'result']),
      },
      dryRun: { type: 'boolean' },
    },
    ['name', 'orphaned', 'deletions', 'dryRun'],
  ),
};

export const APPLYSET_OPERATIONS: Array<[string, OperationEntry]> = [
  route(ApplySetRoutes, 'list', {
    tag: 'ApplySet',
    summary: 'List apply sets with their member counts and last apply',
    response: { description: 'The apply sets, by name.', content: json(ref('ApplySetList')) },
  }),
  route(ApplySetRoutes, 'get', {
    tag: 'ApplySet',
    summary: 'An apply set and its members',
    params: { name: 'The apply set.' },
    response: { description: 'The set.', content: json(ref('ApplySet')) },
  }),
  route(ApplySetRoutes, 'delete', {
    tag: 'ApplySet',
    summary: 'Delete an apply set: its members are orphaned, or deleted with cascade=true',
    description:
      "With cascade, the members are deleted as an apply of nothing with prune would (the same deletion budget: 409 DeletionBudgetExceeded naming them; the kinds' write permissions), in one transaction.",
    params: { name: 'The apply set.' },
    query: [
      { name: 'cascade', description: 'Delete the members too.', schema: { type: 'boolean' } },
      {
        name: 'maxDeletions',
        description: 'With cascade: most resources deleted (default 10).',
        schema: { type: 'integer', minimum: 0 },
      },
      {
        name: 'maxDeletionPercent',
        description: 'With cascade: most of the members deleted, in percent (default 30).',
        schema: { type: 'integer', minimum: 0, maximum: 100 },
      },
      DRY_RUN,
    ],
    response: { description: 'What was done.', content: json(ref('ApplySetDeletion')) },
    errors: [409],
  }),
];
