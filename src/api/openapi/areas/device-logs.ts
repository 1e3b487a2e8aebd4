import { DeviceGroupRoutes } from '../../routes/device-groups.routes.js';
import { DeviceLogRoutes } from '../../routes/device-logs.routes.js';
import { type JsonSchema, listComponent, ref } from '../kind-schemas.js';
import { CONTINUE, json, LIMIT, type OperationEntry, route } from '../operation.js';
import { API_VERSION, described, INTEGER, listOf, object, STRING, TIME } from '../schema-builders.js';

/* The OpenAPI shapes and operations of device log bundles and DeviceGroup members. */

const DEVICE = { name: 'Name of the Device.' };

export const DEVICE_SHAPES: Record<string, JsonSchema> = {
  DeviceLogRequest: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'DeviceLogRequest' },
      id: described(STRING, 'The id of the bundle; download it once its state is `uploaded`.'),
      state: { const: 'requested' },
      requestedAt: TIME,
    },
    ['apiVersion', 'kind', 'id', 'state', 'requestedAt'],
  ),
  DeviceLogItem: object(
    {
      id: STRING,
      state: { enum: ['requested', 'uploaded'] },
      requestedBy: STRING,
      requestedAt: TIME,
      uploadedAt: TIME,
      contentType: described(STRING, 'The media type the device gave its upload.'),
      size: described(INTEGER, 'Bytes.'),
      sha256: described(STRING, 'Hex SHA-256 of the content.'),
    },
    ['id', 'state', 'requestedBy', 'requestedAt'],
  ),
  DeviceLogList: listOf('DeviceLogList', ref('DeviceLogItem'), 'Log bundles of a device, newest first.'),
};

export const DEVICE_OPERATIONS: Array<[string, OperationEntry]> = [
  route(DeviceLogRoutes, 'request', {
    tag: 'Device',
    summary: 'Request a log bundle from a device',
    description:
      'The device uploads it at its next check-in (device API, UploadLogs; at most 10 MiB). At most 5 requests of a device wait for their upload at once (409 beyond).',
    params: DEVICE,
    response: { description: 'Requested.', content: json(ref('DeviceLogRequest')) },
    errors: [409],
  }),
  route(DeviceLogRoutes, 'list', {
    tag: 'Device',
    summary: "List a device's log bundles",
    description: 'Newest first; metadata only.',
    params: DEVICE,
    query: [LIMIT, CONTINUE],
    response: { description: 'A page, newest first.', content: json(ref('DeviceLogList')) },
    errors: [400],
  }),
  route(DeviceLogRoutes, 'download', {
    tag: 'Device',
    summary: 'Download a log bundle',
    description:
      'The bytes exactly as the device uploaded them, in the content type it gave, as an attachment (`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`); `Repr-Digest` carries their SHA-256. 404 while the bundle is still requested.',
    params: { ...DEVICE, id: 'Id of the log bundle.' },
    response: {
      description: 'The bundle.',
      content: {
        'application/octet-stream': { type: 'string', contentMediaType: 'application/octet-stream' },
      },
    },
  }),
  route(DeviceGroupRoutes, 'list', {
    tag: 'DeviceGroup',
    summary: "List a group's member devices",
    description:
      'The Devices its selector matches now, by name. Needs `devicegroups:read` and also `devices:read` (403 naming it).',
    params: { name: 'Name of the DeviceGroup.' },
    query: [LIMIT, CONTINUE],
    response: {
      description: 'A page of Devices, by name.',
      content: json(ref(listComponent('Device', 'v1'))),
    },
    errors: [400],
  }),
];
