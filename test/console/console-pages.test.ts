/**
 * The server answers a reload of a console page with index.html only for the top-level names in
 * CONSOLE_PAGES (src/api/console.ts): a page whose path starts elsewhere would load from a link
 * and 404 on reload. Every path the console's areas declare must start with one of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_PAGES } from '../../src/api/console.js';
import { packagePath } from '../../src/package-root.js';

describe('console pages', () => {
  it('declares only paths under the top-level names the server serves index.html for', () => {
    const pages = packagePath('console', 'src', 'pages');
    const paths = readdirSync(pages, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) =>
        [...readFileSync(join(pages, entry.name, 'routes.tsx'), 'utf8').matchAll(/path: '([^']+)'/g)].map(
          (match) => match[1],
        ),
      );
    expect(paths.length).toBeGreaterThan(10);
    const outside = paths.filter(
      (path) => !(CONSOLE_PAGES as readonly string[]).includes(path.split('/')[1]),
    );
    expect(outside).toEqual([]);
  });
});
