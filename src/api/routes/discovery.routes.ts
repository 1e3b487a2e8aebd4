import { Controller, Get } from '@nestjs/common';
import { KindIndex } from '../../resources/kind-index.js';
import { Permission } from '../permission.js';

/** `GET /api/v1`: the kinds served and their names, as the CLI resolves `get dev` or `get ca`. */
@Controller('api/v1')
export class DiscoveryRoutes {
  constructor(private readonly kinds: KindIndex) {}

  @Get()
  @Permission('authenticated')
  discovery() {
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'APIResourceList',
      resources: this.kinds.all.map((kind) => ({
        kind: kind.kind,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        versions: kind.versions,
      })),
    };
  }
}
