// Entry point of the chain worker (see chain-worker.ts), in plain JavaScript so that it loads under
// every runner: a worker inherits the parent's --import loaders (npm start and the benchmarks
// register swc); where there is none (vitest transforms TypeScript its own way), tsx is
// registered here first. The second import has its own URL: a failed import is remembered.
try {
  await import('./chain-worker-body.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import('./chain-worker-body.ts?tsx');
}
