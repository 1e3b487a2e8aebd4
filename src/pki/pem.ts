/** PEM armour (RFC 7468) around DER. */
import { InvalidError } from '../errors.js';

/** PEM text with 64-character lines and a trailing newline. Pure. */
export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  let body = '';
  for (let offset = 0; offset < base64.length; offset += 64) body += `${base64.slice(offset, offset + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/**
 * DER bytes from either DER or PEM input. With PEM, the first block whose label is one of `labels`
 * is taken. Pure.
 * @throws InvalidError when PEM text has no block with an accepted label.
 */
export function derFromPemOrDer(input: string | Uint8Array, labels: readonly string[]): Buffer {
  const text =
    typeof input === 'string'
      ? input
      : looksLikePem(input)
        ? Buffer.from(input).toString('latin1')
        : undefined;
  if (text === undefined) return Buffer.from(input as Uint8Array);
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    if (labels.includes(match[1])) return Buffer.from(match[2].replace(/\s+/g, ''), 'base64');
  }
  const message = `expected PEM with one of: ${labels.join(', ')}`;
  throw new InvalidError(message, { problems: [{ pointer: '', message }] });
}

function looksLikePem(bytes: Uint8Array): boolean {
  // DER always starts with a SEQUENCE tag (0x30); PEM starts with '-' (0x2d) or whitespace.
  return bytes.length > 0 && bytes[0] !== 0x30;
}

/** The PEM blocks of a concatenation (a chain or bundle), each with its trailing newline. Pure. */
export function splitPemBlocks(text: string): string[] {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----\r?\n?/g) ?? [];
}
