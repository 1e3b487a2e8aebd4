import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { isKubePath } from './kube/kube-status.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The text of a JSON body, kept for checks JSON.parse cannot make (duplicate keys). */
    jsonText?: string;
  }
}

/**
 * The JSON body parser: Fastify's own (same prototype-poisoning refusals, same empty-body error),
 * which also keeps the body's text on the request, because apply refuses duplicate keys that
 * JSON.parse resolves silently (last wins). The text is the string the parser would decode from
 * the buffer anyway: no extra copy. Registered before Nest's default, which it replaces.
 */
export function registerJsonBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const parse = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    const text = body.toString('utf8');
    // A Kubernetes client's DELETE says `Content-Type: application/json` with no body at all
    // (DeleteOptions are optional): on the facade, no body rather than a 400.
    if (text === '' && request.method === 'DELETE' && isKubePath(request.url)) return done(null, undefined);
    request.jsonText = text;
    parse(request as FastifyRequest, text, done);
  });
}
