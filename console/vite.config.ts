import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/*
 * The web console (issue #18): built into dist/console by `npm run build` (so by `npm install`),
 * served by Steward at `/`. Every asset is a local file with a content hash in its name; no
 * inline script (the server's Content-Security-Policy forbids it).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Modern browsers only: no legacy polyfills, no inline module-preload shim.
    target: 'es2022',
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
