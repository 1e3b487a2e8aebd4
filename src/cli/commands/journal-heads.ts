/**
 * The signed journal heads `steward journal verify` remembers, per context, in a file next to the
 * config file (`journal-heads.json`, 0600): each verification checks that the server's new signed
 * head extends the one remembered (append-only), so a journal truncated or rewritten below it is
 * reported as a rollback or a fork even when its chain is consistent again.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KnownHead } from '../../contract/journal-head.js';
import { CliError } from '../errors.js';

/** A remembered head: what was verified, and the key that signed it (SPKI PEM). */
export interface RememberedHead extends KnownHead {
  tenant: string;
  publicKey: string;
  verifiedAt: string;
}

type HeadFile = { heads: Record<string, RememberedHead> };

/** The file beside the config file. */
export function headsPath(configPath: string): string {
  return join(dirname(configPath), 'journal-heads.json');
}

/** The key of a context's journal: its name, server and tenant (a renamed server is another journal). */
export function headKey(context: { name?: string; server: string; tenant?: string }): string {
  return `${context.name ?? '(no context)'} ${context.server} ${context.tenant ?? '(default tenant)'}`;
}

async function readHeads(path: string): Promise<HeadFile> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<HeadFile>;
    return { heads: parsed.heads && typeof parsed.heads === 'object' ? parsed.heads : {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { heads: {} };
    throw CliError.of(`cannot read the remembered journal heads ${path}: ${(error as Error).message}`);
  }
}

export async function rememberedHead(path: string, key: string): Promise<RememberedHead | undefined> {
  return (await readHeads(path)).heads[key];
}

/** Replaces the remembered head of `key`, atomically, readable by its owner only. */
export async function rememberHead(path: string, key: string, head: RememberedHead): Promise<void> {
  const file = await readHeads(path);
  file.heads[key] = head;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
