import { ACTION_BODY, RolloutRoutes } from '../../routes/rollouts.routes.js';
import type { JsonSchema } from '../kind-schemas.js';
import { ref } from '../kind-schemas.js';
import { CONTINUE, json, LIMIT, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, INTEGER, listOf, object, STRING, TIME } from '../schema-builders.js';

/* The OpenAPI shapes and operations of rollout actions and a rollout's devices. */

export const ROLLOUT_SHAPES: Record<string, JsonSchema> = {
  RolloutAction: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'RolloutAction' },
      name: STRING,
      action: { enum: ['approve', 'pause', 'resume', 'abort'] },
      wave: described(INTEGER, 'The wave approved (approve only).'),
      message: STRING,
    },
    ['apiVersion', 'kind', 'name', 'action', 'message'],
  ),
  RolloutDeviceList: listOf(
    'RolloutDevice',
    object(
      {
        device: STRING,
        wave: described(INTEGER, '1-based; 0 for an ineligible device.'),
        state: { enum: ['queued', 'assigned', 'succeeded', 'failed', 'cancelled', 'ineligible'] },
        reason: described(
          STRING,
          'Why ineligible (Platform, Assurance, InAnotherRollout, NotApproved, Deleting, OutsideWaves), or AlreadyInstalled.',
        ),
        attempts: described(INTEGER, 'Installs started: the first and each retry.'),
        assignedAt: TIME,
        finishedAt: TIME,
        message: described(STRING, "The device's last reported message."),
      },
      ['device', 'wave', 'state', 'attempts'],
    ),
    "A rollout's devices, by name.",
  ),
};

const ACTION = (action: string, summary: string, description: string, errors: number[] = [409]) =>
  route(RolloutRoutes, action as 'approve', {
    tag: 'Rollout',
    summary,
    description,
    params: { name: 'Name of the Rollout.' },
    request: {
      description: 'An optional reason, journaled with the action ({} for none).',
      content: json(ACTION_BODY),
    },
    response: {
      description: 'Done; the reconciler takes the rollout from there.',
      content: json(ref('RolloutAction')),
    },
    errors,
  });

export const ROLLOUT_OPERATIONS: Array<[string, OperationEntry]> = [
  ACTION(
    'approve',
    'Approve the wave waiting for approval',
    'Opens the approval gate of the current wave (phase WaitingApproval). 409, saying what the rollout does instead, when nothing waits for approval.',
  ),
  ACTION(
    'pause',
    'Pause: assign no further device until resumed',
    'Devices already assigned keep their assignment. 409 when already paused, completed or aborted.',
  ),
  ACTION(
    'resume',
    'Resume a rollout paused by a person or by its failure policy',
    'The failures so far are accepted: the failure policy fires again only on new ones. 409 when not paused, or when spec.paused is true (apply paused: false instead).',
  ),
  ACTION(
    'abort',
    'Abort: no further device is told to install',
    'Queued and assigned devices are cancelled; devices keep what they run. 409 when already completed or aborted.',
  ),
  route(RolloutRoutes, 'list', {
    tag: 'Rollout',
    summary: "A rollout's devices: wave, state, attempts, last message",
    params: { name: 'Name of the Rollout.' },
    query: [
      {
        name: 'state',
        description: 'Only devices in this state.',
        schema: { enum: ['queued', 'assigned', 'succeeded', 'failed', 'cancelled', 'ineligible'] },
      },
      {
        name: 'wave',
        description: 'Only devices of this wave (0: ineligible).',
        schema: { type: 'integer', minimum: 0, maximum: 20 },
      },
      LIMIT,
      CONTINUE,
    ],
    response: { description: 'A page of devices, by name.', content: json(ref('RolloutDeviceList')) },
    errors: [400],
  }),
];
