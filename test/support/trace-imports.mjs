// `node --import ./test/support/trace-imports.mjs …`: prints every module URL the process resolves
// (`import: file:///…`) to stderr, so a test can see what a command loads.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      'export async function resolve(specifier, context, next) {' +
        '  const resolved = await next(specifier, context);' +
        "  process.stderr.write('import: ' + resolved.url + '\\n');" +
        '  return resolved;' +
        '}',
    ),
);
