import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenApiDocument } from './openapi/openapi-document.js';

/** Where the interactive reference is served. */
export const API_REFERENCE_PATH = '/api/docs';

/**
 * The policy of the reference's pages. Every script is a file of this server (swagger-ui serves its
 * initializer as `static/swagger-initializer.js`, so no inline script is needed); `connect-src
 * 'self'` keeps the browser itself from fetching anything elsewhere, whatever a URL in a bundle
 * says. Images and styles allow `data:` and inline: swagger-ui.css embeds its icons as data URLs
 * and React sets style attributes.
 */
export const API_REFERENCE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * Serves Swagger UI at `/api/docs` from the assets bundled in @fastify/swagger-ui (no CDN, no
 * remote font), over the document built at start. These are plain Fastify routes beside Nest's,
 * public like the document: static assets and the same document as `/api/v1/openapi.json` (the
 * UI loads it from `/api/docs/json`, an address @fastify/swagger-ui fixes).
 *
 * Must run before the application is initialised (Nest registers its own routes on `listen`).
 */
export async function registerApiReference(
  app: NestFastifyApplication,
  document: OpenApiDocument,
): Promise<void> {
  // Static mode: @fastify/swagger only holds the document for swagger-ui; routes are not scanned.
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, {
    routePrefix: API_REFERENCE_PATH,
    theme: { title: 'Steward API reference' },
    // BaseLayout has no top bar: no box that makes the page fetch a URL typed into it.
    uiConfig: { layout: 'BaseLayout', deepLinking: true, displayRequestDuration: true },
    // Never ask validator.swagger.io to check the document (a remote request).
    validatorUrl: false,
    staticCSP: API_REFERENCE_CSP,
  });
}
