#!/usr/bin/env node
// The CLI needs no Nest dependency injection, so tsx (esbuild) runs it directly from source.
import { register } from 'tsx/esm/api';
register();
const { runFromProcess } = await import('../src/cli/main.ts');
await runFromProcess();
