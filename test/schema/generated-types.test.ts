import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const dirs: string[] = [];

/**
 * A project beside the real one: the real src/ (linked, but for src/kinds/generated/), the real
 * DeviceGroup controller (copied), and types generated from `schemas` by the real generator.
 * Returns tsc's verdict on the controller.
 */
async function typecheckDeviceGroupAgainst(mutate: (schema: Record<string, unknown>) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-types-'));
  dirs.push(dir);
  cpSync(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true });
  const schemaFile = join(dir, 'schemas', 'v1', 'devicegroup.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  mutate(schema);
  writeFileSync(schemaFile, JSON.stringify(schema));
  mkdirSync(join(dir, 'src', 'kinds'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'src')).filter((name) => name !== 'kinds'))
    symlinkSync(join(ROOT, 'src', entry), join(dir, 'src', entry));
  mkdirSync(join(dir, 'controllers'));
  cpSync(join(ROOT, 'controllers', 'device-group.ts'), join(dir, 'controllers', 'device-group.ts'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, typeRoots: [join(ROOT, 'node_modules', '@types')] },
      include: [],
      files: ['controllers/device-group.ts'],
    }),
  );
  await run(process.execPath, [
    join(ROOT, 'scripts', 'generate-kind-types.mjs'),
    '--schemas',
    join(dir, 'schemas'),
    '--out',
    join(dir, 'src', 'kinds', 'generated'),
  ]);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(
    () => ({ ok: true, output: '' }),
    (error: { stdout?: string }) => ({ ok: false, output: String(error.stdout) }),
  );
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('types generated from the schemas', () => {
  it('a schema change that breaks a controller fails the typecheck, naming the controller', async () => {
    const [unchanged, renamed] = await Promise.all([
      typecheckDeviceGroupAgainst(() => {}),
      // The status field the DeviceGroup controller writes, renamed in the schema only.
      typecheckDeviceGroupAgainst((schema) => {
        const status = (schema.$defs as Record<string, { properties: Record<string, unknown> }>).status;
        status.properties.members = status.properties.count;
        delete status.properties.count;
      }),
    ]);
    expect(unchanged).toEqual({ ok: true, output: '' });
    expect(renamed.ok).toBe(false);
    expect(renamed.output).toMatch(
      /controllers\/device-group\.ts.*'count' does not exist in type 'DeviceGroupStatus'/s,
    );
  }, 60_000);
});
