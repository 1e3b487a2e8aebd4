/** Request limits the routes enforce beyond Fastify's body limit. */
export class ServerLimits {
  constructor(
    readonly bodyLimit: number,
    readonly maxDocuments: number,
  ) {}
}
