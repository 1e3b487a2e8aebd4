/**
 * What the CLI shows of text it did not write (names, subjects, messages from the server): control
 * characters (C0, DEL, C1), lone surrogates and bidirectional overrides are shown escaped, so no
 * value can forge a table row, move the cursor, recolour the terminal or reorder what is read
 * (Trojan Source), whatever a server answers.
 */
// C0 except tab and newline, DEL, C1, the bidi embeddings/overrides/isolates, and lone surrogates.
const UNSAFE_IN_LINES = new RegExp(
  '[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]' +
    '|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
  'g',
);
// In a table cell, tab and newline break the layout too.
const UNSAFE_IN_CELLS = new RegExp(`[\\t\\n]|${UNSAFE_IN_LINES.source}`, 'g');

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

function escaped(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text for output made of lines: keeps newlines and tabs, escapes every other unsafe character. Pure. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_IN_LINES, escaped);
}

/** Text for one table cell or one-line field: escapes newlines and tabs too. Pure. */
export function printable(text: string): string {
  return text.replace(UNSAFE_IN_CELLS, escaped);
}
