/**
 * Duplicate member names in JSON text. JSON.parse keeps the last of two equal names silently; a
 * manifest with `replicas` twice is ambiguous, so apply refuses it, as it does in YAML. Detection
 * must not cost the common case much: `countMemberNames` (a scan that jumps from quote to quote
 * with indexOf) compared with the members of the parsed value decides whether there can be a
 * duplicate at all; only then does `findDuplicateNames` tokenize the text to point at them.
 * Both expect text JSON.parse has accepted.
 */

const BACKSLASH = 92;
const COLON = 58;

/** Whether the quote at `at` is escaped (preceded by an odd number of backslashes). */
function escaped(text: string, at: number): boolean {
  let count = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === BACKSLASH; i--) count++;
  return count % 2 === 1;
}

/** The index of the quote closing the string whose opening quote is at `open`. */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1 && text.charCodeAt(close - 1) === BACKSLASH && escaped(text, close))
    close = text.indexOf('"', close + 1);
  return close;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

/** The member names written in valid JSON text: the strings followed by a colon. Pure. */
export function countMemberNames(text: string): number {
  let count = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    const close = closingQuote(text, open);
    if (close === -1) break;
    let next = close + 1;
    while (isWhitespace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === COLON) count++;
    open = text.indexOf('"', next);
  }
  return count;
}

/** The members of a parsed JSON value (every own key of every object in it). Pure. */
export function countMembers(value: unknown): number {
  if (Array.isArray(value)) {
    let count = 0;
    for (const item of value) if (item !== null && typeof item === 'object') count += countMembers(item);
    return count;
  }
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  for (const key in value) {
    count++;
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object') count += countMembers(child);
  }
  return count;
}

function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface Container {
  pointer: string;
  /** Names seen so far in an object; undefined for an array. */
  names?: Set<string>;
  /** The current member's name (object) or element index (array). */
  at: string | number;
  expectingName: boolean;
}

/**
 * The JSON pointers (from the root of the text) of every member whose name repeats an earlier
 * one of the same object, names compared decoded (`"a"` and `"\u0061"` are equal). Pure; an
 * explicit stack, so that deep nesting JSON.parse accepted cannot overflow the call stack.
 */
export function findDuplicateNames(text: string): string[] {
  const duplicates: string[] = [];
  const stack: Container[] = [];
  const childPointer = () => {
    const parent = stack[stack.length - 1];
    if (!parent) return '';
    return `${parent.pointer}/${typeof parent.at === 'number' ? parent.at : pointerSegment(parent.at)}`;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const top = stack[stack.length - 1];
    if (char === '{') stack.push({ pointer: childPointer(), names: new Set(), at: '', expectingName: true });
    else if (char === '[') stack.push({ pointer: childPointer(), at: 0, expectingName: false });
    else if (char === '}' || char === ']') stack.pop();
    else if (char === ',' && top) {
      if (top.names) top.expectingName = true;
      else top.at = (top.at as number) + 1;
    } else if (char === '"') {
      const close = closingQuote(text, i);
      if (top?.names && top.expectingName) {
        const name = JSON.parse(text.slice(i, close + 1)) as string;
        if (top.names.has(name)) duplicates.push(`${top.pointer}/${pointerSegment(name)}`);
        top.names.add(name);
        top.at = name;
        top.expectingName = false;
      }
      i = close;
    }
  }
  return duplicates;
}
