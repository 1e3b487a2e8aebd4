#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm install`'s prepare script): no TypeScript runtime at
// run time, which is most of what keeps `steward --help` near Node's own start-up time.
import module from 'node:module';

// Node ≥ 22.1 can cache compiled bytecode across runs; Node 20 has no such function.
module.enableCompileCache?.();

let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/src/cli/main.js'))
    throw error;
  process.stderr.write(
    'steward: the CLI is not built (no dist/): run `npm run build` in the package directory\n',
  );
  process.exit(1);
}
await cli.runFromProcess();
