import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** A 1-based place in a source file. */
export interface SourcePosition {
  source: string;
  line: number;
  column: number;
}

/** `a/b~1c` → ['a', 'b/c'] (RFC 6901). Pure. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function keyOf(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/**
 * The source offset a JSON pointer designates in a parsed YAML node: the key of the mapping
 * member it names (so an editor lands on `permanentIdentifier:`), an item's start in a sequence,
 * and for a member that does not exist (a missing required field) the key of its nearest present
 * ancestor. Pure.
 */
export function offsetOfPointer(root: Node, pointer: string, document?: Document): number {
  let current: unknown = root;
  let offset = root.range?.[0] ?? 0;
  for (const segment of pointerSegments(pointer)) {
    if (isAlias(current) && document) current = current.resolve(document);
    if (isMap(current)) {
      const pair = current.items.find((item) => keyOf(item.key) === segment);
      if (!pair) break;
      const key = pair.key as Node;
      offset = key.range?.[0] ?? offset;
      current = pair.value;
    } else if (isSeq(current)) {
      const item = current.items[Number(segment)] as Node | undefined;
      if (!Number.isInteger(Number(segment)) || !item) break;
      offset = item.range?.[0] ?? offset;
      current = item;
    } else {
      break;
    }
  }
  return offset;
}

/** The file:line:col of a pointer into a document. Pure. */
export function positionOfPointer(
  source: string,
  root: Node,
  lineCounter: LineCounter,
  pointer: string,
  document?: Document,
): SourcePosition {
  const { line, col } = lineCounter.linePos(offsetOfPointer(root, pointer, document));
  return { source, line, column: col };
}

/** `manifests/devices.yaml:14:3`. Pure. */
export function formatPosition(position: SourcePosition): string {
  return `${position.source}:${position.line}:${position.column}`;
}
