/**
 * Device log bundles (issue #14): an operator requests one, the device learns of it at its next
 * check-in (`pending`) and uploads it (`upload`, called by the device API), and the operator lists
 * and downloads it. The bytes are stored as received and served only as an attachment: Steward
 * never parses nor renders them. Rows live in `device_logs` (device-tables.ts); a Device's rows go
 * with it (`deleteForDevice`, for the Device reconciler's finalizer).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OperationContext } from '../context.js';
import { BadRequestError, ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../errors.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import { DEFAULT_PAGE, MAX_PAGE } from '../resources/resource-queries.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database, Executor } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { DeviceLogRow } from './device-tables.js';

/** The largest bundle a device may upload (10 MiB); the device API bounds its messages to match. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;
/**
 * Requests of one device still waiting for its upload. A device that is offline must not pile up
 * requests (each is answered with an upload of up to MAX_LOG_BYTES once it returns).
 */
export const MAX_PENDING_LOG_REQUESTS = 5;

const TABLE = 'device_logs';
const DEVICE = 'Device';
/** The stored column's width (device-tables.ts). */
const MAX_CONTENT_TYPE = 128;
const MAX_REQUESTED_BY = 256;
/** RFC 9110 token characters. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** `type/subtype` with optional `; name=value` parameters (values a token or a quoted string). */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\r\\n]*"))*$`);

export type DeviceLogState = 'requested' | 'uploaded';

/** One bundle as lists show it: metadata only, never the content. */
export interface DeviceLogItem {
  id: string;
  state: DeviceLogState;
  requestedBy: string;
  requestedAt: string;
  uploadedAt?: string;
  contentType?: string;
  size?: number;
  sha256?: string;
}

export interface DeviceLogList {
  apiVersion: 'steward.dev/v1';
  kind: 'DeviceLogList';
  items: DeviceLogItem[];
  metadata: { continue?: string };
}

/** An uploaded bundle with its bytes, for the download route. */
export interface DeviceLogContent {
  id: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
}

/** The metadata columns (lists and pending never read the blob). */
const METADATA_COLUMNS = [
  'id',
  'state',
  'requested_by',
  'requested_at',
  'uploaded_at',
  'content_type',
  'size',
  'sha256',
] as const;

/** True for a syntactically valid media type that fits the column (`application/gzip`). Pure. */
export function isMediaType(value: string): boolean {
  return value.length <= MAX_CONTENT_TYPE && MEDIA_TYPE.test(value);
}

function toItem(row: Pick<DeviceLogRow, (typeof METADATA_COLUMNS)[number]>): DeviceLogItem {
  const item: DeviceLogItem = {
    id: row.id,
    state: row.state as DeviceLogState,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
  };
  if (row.uploaded_at !== null) item.uploadedAt = row.uploaded_at;
  if (row.content_type !== null) item.contentType = row.content_type;
  if (row.size !== null) item.size = Number(row.size);
  if (row.sha256 !== null) item.sha256 = row.sha256;
  return item;
}

/** The continue token of the log list: the last (requestedAt, id) served; opaque to clients. */
function encodeContinue(at: string, id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, at, id }), 'utf8').toString('base64url');
}

function decodeContinue(token: string): { at: string; id: string } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (decoded.v === 1 && typeof decoded.at === 'string' && typeof decoded.id === 'string')
      return { at: decoded.at, id: decoded.id };
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError(
    'invalid continue token: pass back exactly the metadata.continue of the previous page',
  );
}

function parseLimit(limit: string | undefined): number {
  if (limit === undefined || limit === '') return DEFAULT_PAGE;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE)
    throw new BadRequestError(`limit must be an integer from 1 to ${MAX_PAGE}, got "${limit}"`);
  return value;
}

/**
 * Deletes every log row of a device, inside the caller's transaction (the Device's finalizer or
 * deletion, so that a later Device of the same name never sees them). Idempotent; answers how many
 * rows went.
 */
export async function deleteForDevice(trx: Executor, tenant: string, device: string): Promise<number> {
  return trx(TABLE).where({ tenant, device_name: device }).delete();
}

export interface DeviceLogDeps {
  db: Database;
  store: ResourceStore;
  journal: JournalWriter;
  now?: () => Date;
  /** Told of the device a request is for, once committed (the device API's check-in cache listens). */
  changes?: ChangeFeed;
}

/**
 * Log bundles of devices, confined to the context's tenant. Operators' calls check `devices:write`
 * (request) or `devices:read` (list, download); a Device that does not exist in the tenant is
 * NotFound, so another tenant's devices are indistinguishable from absent ones.
 */
export class DeviceLogService {
  private readonly now: () => Date;

  constructor(private readonly deps: DeviceLogDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Pending requests of one device, oldest first (cheap: one indexed query). */
  async pending(tenant: string, device: string): Promise<Array<{ id: string; requestedAt: string }>> {
    const rows = await this.deps.db
      .knex<DeviceLogRow>(TABLE)
      .select('id', 'requested_at')
      .where({ tenant, device_name: device, state: 'requested' })
      .orderBy([
        { column: 'requested_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map((row) => ({ id: row.id, requestedAt: row.requested_at }));
  }

  /**
   * Asks the device for a bundle at its next check-in; journaled (`logs.request`, `requested`).
   * ConflictError past MAX_PENDING_LOG_REQUESTS pending requests, or while the Device is being deleted.
   */
  async request(
    context: OperationContext,
    device: string,
  ): Promise<{ id: string; state: 'requested'; requestedAt: string }> {
    context.authorize('devices:write');
    const id = randomUUID();
    const requestedAt = this.now().toISOString();
    await this.deps.db.transaction(async (trx) => {
      // Locks the Device row on PostgreSQL: concurrent requests for one device count in turn.
      const found = await this.deps.store.findMany(trx, context.tenant, [{ kind: DEVICE, name: device }]);
      const resource = found.get(`${DEVICE}/${device}`);
      if (!resource) throw new NotFoundError(`${DEVICE} "${device}" not found`);
      if (resource.deletionTimestamp)
        throw new ConflictError(
          `${DEVICE} "${device}" is being deleted: its logs can no longer be requested`,
        );
      const [{ count }] = await trx(TABLE)
        .where({ tenant: context.tenant, device_name: device, state: 'requested' })
        .count({ count: '*' });
      if (Number(count) >= MAX_PENDING_LOG_REQUESTS)
        throw new ConflictError(
          `${DEVICE} "${device}" already has ${Number(count)} log requests waiting for its upload (at most ${MAX_PENDING_LOG_REQUESTS}); wait until it checks in and uploads them`,
          { details: { pending: Number(count), max: MAX_PENDING_LOG_REQUESTS } },
        );
      await trx(TABLE).insert({
        id,
        tenant: context.tenant,
        device_name: device,
        state: 'requested',
        requested_by: context.actor.name.slice(0, MAX_REQUESTED_BY),
        requested_at: requestedAt,
      });
      await this.deps.journal.append(trx, context, [logRecord('logs.request', 'requested', device, id)]);
    });
    this.deps.changes?.publish([{ tenant: context.tenant, kind: DEVICE, name: device }]);
    return { id, state: 'requested', requestedAt };
  }

  /**
   * Stores an upload for a pending request of this device, journaled with actor `device:<name>`
   * in the same transaction; InvalidError when over MAX_LOG_BYTES (message with both sizes) or
   * the content type is not a valid media type; NotFoundError when the request id is not a
   * pending request of this device. Only the device itself uploads: ForbiddenError for any other
   * actor. A request is answered once: a second upload for it is NotFound.
   */
  async upload(
    context: OperationContext,
    device: string,
    requestId: string,
    contentType: string,
    content: Uint8Array,
  ): Promise<{ id: string; size: number; sha256: string }> {
    if (context.actor.type !== 'device' || context.actor.id !== device)
      throw new ForbiddenError(`only device "${device}" itself may upload its logs`);
    const size = content.byteLength;
    if (size > MAX_LOG_BYTES)
      throw new InvalidError(
        `the log bundle has ${size} bytes; at most ${MAX_LOG_BYTES} bytes (10 MiB) are accepted`,
        { details: { size, max: MAX_LOG_BYTES } },
      );
    if (!isMediaType(contentType))
      throw new InvalidError(
        `content type "${contentType.slice(0, MAX_CONTENT_TYPE)}" is not a media type (type/subtype, e.g. application/gzip)`,
      );
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const uploadedAt = this.now().toISOString();
    await this.deps.db.transaction(async (trx) => {
      // The state in the condition makes the transition happen once, whoever uploads concurrently.
      const updated = await trx(TABLE)
        .where({ id: requestId, tenant: context.tenant, device_name: device, state: 'requested' })
        .update({
          state: 'uploaded',
          uploaded_at: uploadedAt,
          content_type: contentType,
          size,
          sha256,
          content: bytes,
        });
      if (updated !== 1)
        throw new NotFoundError(`no pending log request "${requestId}" for ${DEVICE} "${device}"`);
      await this.deps.journal.append(trx, context, [
        {
          ...logRecord('logs.upload', 'uploaded', device, requestId),
          changes: [{ pointer: `/logs/${requestId}`, new: { state: 'uploaded', contentType, size, sha256 } }],
        },
      ]);
    });
    return { id: requestId, size, sha256 };
  }

  /** The device's bundles, newest first, metadata only; `limit`/`continue` as every list. */
  async list(
    context: OperationContext,
    device: string,
    page: { limit?: string; continue?: string } = {},
  ): Promise<DeviceLogList> {
    context.authorize('devices:read');
    const limit = parseLimit(page.limit);
    const after = page.continue ? decodeContinue(page.continue) : undefined;
    await this.requireDevice(context.tenant, device);
    const query = this.deps.db
      .knex<DeviceLogRow>(TABLE)
      .select(...METADATA_COLUMNS)
      .where({ tenant: context.tenant, device_name: device })
      .orderBy([
        { column: 'requested_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit + 1);
    if (after)
      query.where((older) =>
        older
          .where('requested_at', '<', after.at)
          .orWhere((same) => same.where('requested_at', '=', after.at).andWhere('id', '<', after.id)),
      );
    const rows = await query;
    const items = rows.slice(0, limit).map(toItem);
    const metadata: DeviceLogList['metadata'] = {};
    if (rows.length > limit) {
      const last = items[items.length - 1];
      metadata.continue = encodeContinue(last.requestedAt, last.id);
    }
    return { apiVersion: 'steward.dev/v1', kind: 'DeviceLogList', items, metadata };
  }

  /** The bytes of an uploaded bundle; NotFound while it is still requested, or unknown. */
  async download(context: OperationContext, device: string, id: string): Promise<DeviceLogContent> {
    context.authorize('devices:read');
    await this.requireDevice(context.tenant, device);
    const row = await this.deps.db
      .knex<DeviceLogRow>(TABLE)
      .where({ id, tenant: context.tenant, device_name: device })
      .first();
    if (!row) throw new NotFoundError(`${DEVICE} "${device}" has no log bundle "${id}"`);
    if (row.state !== 'uploaded' || row.content === null)
      throw new NotFoundError(
        `log bundle "${id}" of ${DEVICE} "${device}" is still requested: the device uploads it at its next check-in`,
        { details: { state: row.state } },
      );
    return {
      id: row.id,
      contentType: row.content_type ?? 'application/octet-stream',
      size: Number(row.size),
      sha256: row.sha256 ?? '',
      content: Buffer.isBuffer(row.content) ? row.content : Buffer.from(row.content),
    };
  }

  private async requireDevice(tenant: string, device: string): Promise<void> {
    if (!(await this.deps.store.get({ tenant, kind: DEVICE, name: device })))
      throw new NotFoundError(`${DEVICE} "${device}" not found`);
  }
}

function logRecord(operation: string, result: DeviceLogState, device: string, id: string): JournalRecord {
  return { operation, kind: DEVICE, name: device, result, reason: `log bundle ${id}` };
}
