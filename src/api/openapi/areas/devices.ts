import { DeviceRoutes } from '../../routes/devices.routes.js';
import type { JsonSchema } from '../kind-schemas.js';
import { ref } from '../kind-schemas.js';
import { json, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, object, STRING, TIME } from '../schema-builders.js';

/* The OpenAPI shapes and operations of device approval and the device API's address. */

export const DEVICE_ACTION_SHAPES: Record<string, JsonSchema> = {
  DeviceApproval: object(
    { apiVersion: API_VERSION, kind: { const: 'DeviceApproval' }, name: STRING, approvedAt: TIME },
    ['apiVersion', 'kind', 'name', 'approvedAt'],
  ),
  DeviceApi: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'DeviceApi' },
      url: described(STRING, 'Where agents reach the mTLS device API (gRPC, and Connect JSON for curl).'),
      trustPem: described(STRING, 'The certificate agents trust for the listener (PEM).'),
    },
    ['apiVersion', 'kind', 'url', 'trustPem'],
  ),
};

export const DEVICE_ACTION_OPERATIONS: Array<[string, OperationEntry]> = [
  route(DeviceRoutes, 'approve', {
    tag: 'Device',
    summary: 'Approve a device that enrolled with a manual enrollment token',
    description:
      'Until approved, such a device holds no certificate (Ready=False, PendingApproval); its next Enroll call with the same token collects one. 409 when the device is not waiting for approval.',
    params: { name: 'Name of the Device.' },
    response: { description: 'Approved.', content: json(ref('DeviceApproval')) },
    errors: [409],
  }),
  route(DeviceRoutes, 'deviceApi', {
    tag: 'Device',
    summary: 'Where the device API listens, and what agents trust to reach it',
    description: '404 when this server runs no device API (STEWARD_DEVICE_PORT=-1).',
    response: { description: 'The device API.', content: json(ref('DeviceApi')) },
    errors: [],
  }),
];
