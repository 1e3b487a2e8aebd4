import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { type CauseFormatter, CliError, plainCause, ServerError } from './errors.js';
import { formatPosition, positionOfPointer, type SourcePosition } from './manifest-positions.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Bounds alias expansion ("billion laughs") before anything is sent. */
const MAX_ALIAS_COUNT = 100;

/** One manifest as sent to the server, remembering where it came from. */
export interface ManifestDocument {
  /** The file as the user named it (`manifests/devices.yaml`), or `<stdin>`. */
  source: string;
  /** The document's place in the file (0-based), counting expanded List items. */
  indexInFile: number;
  value: unknown;
  node: Node;
  document: Document;
  lineCounter: LineCounter;
}

/** The position of a JSON pointer inside this manifest (nearest present ancestor when missing). */
export function positionIn(manifest: ManifestDocument, pointer: string): SourcePosition {
  return positionOfPointer(manifest.source, manifest.node, manifest.lineCounter, pointer, manifest.document);
}

/** Files named by `-f`: files as given; directories' manifest files, sorted, recursively with -R. */
export async function collectFiles(paths: string[], recursive: boolean): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      files.push(path);
      continue;
    }
    const info = await stat(path).catch(() => undefined);
    if (!info) throw CliError.of(`the path "${path}" does not exist`);
    if (info.isDirectory()) files.push(...(await directoryFiles(path, recursive)));
    else files.push(path);
  }
  return files;
}

async function directoryFiles(directory: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await directoryFiles(path, recursive)));
    } else if (MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
      files.push(path);
    }
  }
  return files;
}

/** A stream's top-level documents, with `[...]` arrays and `kind: List` expanded to their items. */
function manifestNodes(node: Node): Node[] {
  if (isSeq(node)) return node.items as Node[];
  if (isMap(node) && node.get('kind') === 'List') {
    const items = node.get('items', true);
    if (isSeq(items)) return items.items as Node[];
  }
  return [node];
}

/**
 * Parses one source text (YAML stream or JSON) with duplicate keys refused. Syntax problems come
 * back as `file:line:col: message` lines, all of them, never thrown. Pure.
 */
export function parseManifests(
  text: string,
  source: string,
): { manifests: ManifestDocument[]; problems: string[] } {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const manifests: ManifestDocument[] = [];
  const problems: string[] = [];
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return formatPosition({ source, line, column: col });
  };
  for (const document of Array.isArray(documents) ? documents : []) {
    if (document.errors.length > 0) {
      for (const error of document.errors) problems.push(`${at(error.pos[0])}: ${error.message}`);
      continue;
    }
    // `---` followed by nothing (or only comments) is an empty document, skipped like kubectl does.
    const contents = document.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    for (const node of manifestNodes(document.contents as Node)) {
      let value: unknown;
      try {
        value = node.toJS(document, { maxAliasCount: MAX_ALIAS_COUNT });
      } catch (error) {
        problems.push(`${at(node.range?.[0] ?? 0)}: ${(error as Error).message}`);
        continue;
      }
      manifests.push({ source, indexInFile: manifests.length, value, node, document, lineCounter });
    }
  }
  return { manifests, problems };
}

/**
 * Reads and parses every file (`-` is stdin) into the ordered list of manifests to send. Every
 * YAML syntax problem of every file is reported at once, and nothing is sent.
 */
export async function readManifests(
  paths: string[],
  recursive: boolean,
  readStdin: () => Promise<string>,
): Promise<ManifestDocument[]> {
  const files = await collectFiles(paths, recursive);
  const manifests: ManifestDocument[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const source = file === '-' ? '<stdin>' : file;
    let text: string;
    try {
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (error) {
      throw CliError.of(`cannot read ${source}: ${(error as Error).message}`);
    }
    const parsed = parseManifests(text, source);
    manifests.push(...parsed.manifests);
    problems.push(...parsed.problems);
  }
  if (problems.length > 0) {
    throw new CliError([`error: ${problems.length} YAML syntax error(s); nothing was sent`, ...problems]);
  }
  if (manifests.length === 0) throw CliError.of('no objects passed (the files hold no manifests)');
  return manifests;
}

/** Shows a server cause at the file, line and column of the document and field it names. */
export function causeLocator(manifests: readonly ManifestDocument[]): CauseFormatter {
  return (cause) => {
    const manifest = cause.document === undefined ? undefined : manifests[cause.document];
    if (!manifest) return plainCause(cause);
    const where = formatPosition(positionIn(manifest, cause.pointer));
    return cause.pointer === ''
      ? `${where}: ${cause.message}`
      : `${where}: ${cause.pointer}: ${cause.message}`;
  };
}

/** Runs a request that carries `manifests`; a failure's causes are shown at their file positions. */
export async function withManifestPositions<T>(
  manifests: readonly ManifestDocument[],
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof ServerError) throw error.withCauses(causeLocator(manifests));
    throw error;
  }
}
