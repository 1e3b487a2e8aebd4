import { Body, Controller, Get, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationContext } from '../../context.js';
import { BadRequestError, isStewardError, NotFoundError } from '../../errors.js';
import type { JournalEntry } from '../../journal/chain.js';
import type { ExportFilters } from '../../journal/journal-export.js';
import { parseAfter } from '../../journal/journal-follow.js';
import type { JournalQuery } from '../../journal/journal-queries.js';
import { JournalService } from '../../journal/journal-service.js';
import { KindIndex } from '../../resources/kind-index.js';
import { Permission } from '../permission.js';
import { Ctx } from '../request-context.js';
import { writeChunk as write } from '../stream-write.js';

const HEARTBEAT_MS = 15_000;
const ENTRY_FILTERS = [
  'kind',
  'name',
  'actor',
  'operation',
  'result',
  'changeset',
  'since',
  'until',
] as const;
const QUERY_FILTERS = [...ENTRY_FILTERS, 'limit', 'continue'] as const;

/** One value per parameter: a repeated filter is ambiguous, so it is refused rather than guessed. */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new BadRequestError(`query parameter "${name}" may be given once`);
}

/** The SSE text of entries, and an id-only line when a filter left entries after the last out. */
function entriesEvent(entries: JournalEntry[], through: number): string {
  const text = entries.map((entry) => `id: ${entry.seq}\ndata: ${JSON.stringify(entry)}\n\n`).join('');
  const last = entries.length > 0 ? entries[entries.length - 1].seq : undefined;
  return last === through ? text : `${text}id: ${through}\n\n`;
}

function gapComment(gap: { from: number; to: number; reason: 'pruned' | 'missing' }): string {
  return `: entries ${gap.from} to ${gap.to} ${gap.reason === 'pruned' ? 'were pruned' : 'are missing (run verify)'}\n\n`;
}

/**
 * `/api/v1/journal…` (query, follow, export, verify, settings) and the history of one resource
 * (`/api/v1/{plural}/{name}/history`). Thin: every decision is the JournalService's. Streams are
 * written to the raw response after the permission and the parameters were checked, so that
 * every refusal is still an ordinary Status.
 */
@Controller('api/v1')
export class JournalRoutes {
  constructor(
    private readonly journal: JournalService,
    private readonly kinds: KindIndex,
  ) {}

  @Get('journal')
  @Permission('journal:read')
  list(@Ctx() context: OperationContext, @Query() query: Record<string, unknown>) {
    const filters: JournalQuery = {};
    for (const name of QUERY_FILTERS) filters[name] = single(query, name);
    return this.journal.queries.list(context, filters);
  }

  /**
   * Server-sent events: `id: <seq>` and `data: <entry>` per entry, oldest first, from `after`
   * (or the Last-Event-ID an EventSource sends when it reconnects; without either, from now on),
   * of the entries the query's filters pass (kind, name, actor, operation, result, changeset).
   * When a filter left entries out, an `id:` line without data moves the client's last event id
   * past them, so a reconnect does not scan them again. Comments carry keep-alives and reports of
   * entries that will never come (pruned or missing).
   */
  @Get('journal/follow')
  @Permission('journal:read')
  async follow(
    @Ctx() context: OperationContext,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const lastEventId = request.headers['last-event-id'];
    const after = parseAfter(typeof lastEventId === 'string' ? lastEventId : single(query, 'after'));
    const filters: JournalQuery = {};
    for (const name of ENTRY_FILTERS) filters[name] = single(query, name);
    const filter = this.journal.queries.followFilter(filters);
    const controller = new AbortController();
    const events = await this.journal.follower.open(context, after, controller.signal, filter);
    reply.hijack();
    const raw = reply.raw;
    // A stream is silent between entries by design: its heartbeats, not the server's idle
    // timeout (STEWARD_IDLE_TIMEOUT_MS), find a client that has gone.
    request.raw.socket.setTimeout(0);
    raw.on('close', () => controller.abort());
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    const heartbeat = setInterval(() => void write(raw, ': keep-alive\n\n'), HEARTBEAT_MS);
    try {
      if (!(await write(raw, 'retry: 2000\n\n'))) return;
      for await (const event of events) {
        const text =
          event.type === 'entries' ? entriesEvent(event.entries, event.through) : gapComment(event);
        if (text && !(await write(raw, text))) break;
      }
    } catch (error) {
      request.log.error(`follow ${request.id} failed: ${(error as Error).stack ?? String(error)}`);
    } finally {
      clearInterval(heartbeat);
      controller.abort();
      if (!raw.destroyed) raw.end();
    }
  }

  /** One entry by its seq: where a link to an entry (the console's, a report's) leads. */
  @Get('journal/:seq')
  @Permission('journal:read')
  entry(@Ctx() context: OperationContext, @Param('seq') seq: string) {
    return this.journal.queries.get(context, seq);
  }

  /**
   * NDJSON (default) or CSV, streamed page by page; the last line carries the chain head. The
   * query's filters narrow it to what the journal view shows (a selection, not a whole chain).
   */
  @Get('journal/export')
  @Permission('journal:export')
  async export(
    @Ctx() context: OperationContext,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filters: ExportFilters = {};
    for (const name of ENTRY_FILTERS) filters[name] = single(query, name);
    if (filters.kind) filters.kind = this.kindName(filters.kind);
    const exported = await this.journal.exporter.open(context, single(query, 'format'), filters);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': exported.contentType,
      'content-disposition': `attachment; filename="${exported.filename}"`,
      'cache-control': 'no-store',
      'x-request-id': String(request.id),
    });
    try {
      for await (const chunk of exported.chunks) if (!(await write(raw, chunk))) return;
      raw.end();
    } catch (error) {
      // Headers are gone: cutting the connection is the only way to say "failed". The missing
      // head line makes the truncation evident to any verifier too.
      request.log.error(`export ${request.id} failed: ${(error as Error).stack ?? String(error)}`);
      raw.destroy(error as Error);
    }
  }

  /**
   * The head, signed now with the tenant's journal key, and that key's public half: what a
   * verifier remembers, and what can be published elsewhere to anchor the journal.
   */
  @Get('journal/head')
  @Permission('journal:read')
  head(@Ctx() context: OperationContext, @Query() query: Record<string, unknown>) {
    return this.journal.heads.signedHead(context, single(query, 'at'));
  }

  @Get('journal/verify')
  @Permission('journal:read')
  verify(@Ctx() context: OperationContext) {
    return this.journal.verifier.verify(context);
  }

  @Get('journal/settings')
  @Permission('journal:read')
  settings(@Ctx() context: OperationContext) {
    return this.journal.settings.get(context);
  }

  /** Admins only (retention decides what evidence is kept); the change is itself journaled. */
  @Put('journal/settings')
  @Permission('journal:admin')
  updateSettings(@Ctx() context: OperationContext, @Body() body: unknown) {
    return this.journal.settings.update(context, body);
  }

  /** The journal of one resource, newest first; answered for deleted resources too. */
  @Get(':plural/:name/history')
  @Permission('{plural}:read')
  async history(
    @Ctx() context: OperationContext,
    @Param('plural') plural: string,
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
  ) {
    const changeset = single(query, 'changeset');
    const page = await this.journal.queries.history(context, plural, name, {
      limit: single(query, 'limit'),
      continue: single(query, 'continue'),
      changeset,
    });
    // A name this tenant never had is 404, as for GET: other tenants' names cannot be probed.
    if (page.items.length === 0 && query.continue === undefined && changeset === undefined)
      throw new NotFoundError(`${plural}/${name} has no history in this tenant`);
    return page;
  }

  /** A kind by any of its names (`dev`, `devices`), as the query resolves it; other values as given. */
  private kindName(kind: string): string {
    try {
      return this.kinds.resolve(kind).kind;
    } catch (error) {
      if (isStewardError(error)) return kind;
      throw error;
    }
  }
}
