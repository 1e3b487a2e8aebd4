import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { packagePath } from '../package-root.js';

/**
 * The console's top-level pages (console/src/pages/<area>/routes.tsx use no others): a browser
 * loading or reloading one of them gets the console's index.html, and the console routes it.
 * Every other path keeps its meaning (the API, /healthz, the PKI files, the kubectl facade).
 */
export const CONSOLE_PAGES = [
  'journal',
  'devices',
  'device-groups',
  'cas',
  'enroll-tokens',
  'rollouts',
  'artifacts',
  'keys',
  'users',
  'trust-policies',
  'resources',
  'apply',
  'settings',
] as const;

/**
 * The console's policy: scripts and styles only from files of this server (no inline script, no
 * CDN), connections to this origin only (the API and its event stream), images from here or
 * `data:`/`blob:`, never framed. React sets styles through the CSSOM, which `style-src` allows.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secureHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

/**
 * Serves the built console (dist/console, made by `npm run build`) at `/`: hashed assets cached
 * for a year and sent precompressed (br or gzip, written at build time), index.html never cached
 * (a new build is picked up on the next load). Public, like any static page: the data behind it
 * is the API's, behind its credentials. Without a build, `/` says how to make one.
 */
export async function registerConsole(app: NestFastifyApplication): Promise<void> {
  const root = packagePath('dist', 'console');
  const fastify = app.getHttpAdapter().getInstance();
  const built = existsSync(`${root}/index.html`);
  if (!built) {
    fastify.get('/', (_request, reply) => {
      secureHeaders(reply);
      void reply
        .type('text/plain; charset=utf-8')
        .send('The web console is not built: run `npm run build` (npm install runs it), then restart.');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Only the files of the build are routes (no directory walk per request, no index listing).
    wildcard: false,
    index: false,
    preCompressed: true,
    serve: true,
    // Our own cache-control below: hashed assets forever, index.html revalidated.
    cacheControl: false,
    setHeaders(reply, path) {
      secureHeaders(reply);
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const page = (_request: unknown, reply: FastifyReply) => {
    secureHeaders(reply);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  };
  fastify.get('/', page);
  for (const name of CONSOLE_PAGES) {
    fastify.get(`/${name}`, page);
    fastify.get(`/${name}/*`, page);
  }
}
