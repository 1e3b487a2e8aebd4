import { Controller, Get, Header, Inject } from '@nestjs/common';
import { OPENAPI_DOCUMENT, type PublishedDocument } from '../openapi/openapi-document.js';
import { Permission } from '../permission.js';

/**
 * `GET /api/v1/openapi.json`. Public, as the seed products publish their API reference: the
 * document holds the kinds' schemas and the route table, which every Steward serves alike, and
 * nothing of any tenant. Built and serialized once at start (HttpModule), served as is.
 */
@Controller('api/v1')
export class OpenApiRoutes {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly published: PublishedDocument) {}

  @Get('openapi.json')
  @Permission('public')
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'no-cache')
  openapi(): string {
    return this.published.json;
  }
}
