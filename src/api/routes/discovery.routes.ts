import { Controller, Get } from '@nestjs/common';
import type { ApiResourceList } from '../../contract/discovery.js';
import { KindIndex } from '../../resources/kind-index.js';
import { ManifestValidator } from '../../schema/validator.js';
import { Permission } from '../permission.js';

/**
 * `GET /api/v1`: the kinds served, their names (as the CLI resolves `get dev` or `get ca`) and
 * their printer columns (from each schema's `x-steward-columns`), so the CLI knows no kind.
 */
@Controller('api/v1')
export class DiscoveryRoutes {
  constructor(
    private readonly kinds: KindIndex,
    private readonly validator: ManifestValidator,
  ) {}

  @Get()
  @Permission('authenticated')
  discovery(): ApiResourceList {
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'APIResourceList',
      resources: this.kinds.all.map((kind) => ({
        kind: kind.kind,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        versions: kind.versions,
        columns: this.validator.printerColumns(kind.kind),
      })),
    };
  }
}
