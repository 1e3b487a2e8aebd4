/**
 * `npm run bench -- NAME [args]`: runs bench/NAME.ts, whose default export prints its figures.
 * Benchmarks report numbers; they assert nothing (tests do that).
 */
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.startsWith('_'))
  .map((file) => file.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME one of: ${available.join(', ')})`);
  process.exit(2);
}
const benchmark = (await import(join(here, `${name}.ts`))) as { default: (args: string[]) => Promise<void> };
await benchmark.default(args);
process.exit(0);
