/**
 * A minimal DER reader: enough to walk certificates, CSRs and SPKIs and take exact byte slices of
 * their parts. Slices matter more than values here: a CSR signature covers the bytes as sent, and an
 * issued certificate's issuer Name must equal its CA's subject Name byte for byte.
 */
import { InvalidError } from '../errors.js';

/** One TLV inside `bytes`: [start, contentStart) is the header, [contentStart, end) the value. */
export interface DerElement {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/**
 * Reads the TLV starting at `offset`. Pure.
 * @throws InvalidError on truncated input, indefinite lengths (BER, not DER) or multi-byte tags.
 */
export function readElement(bytes: Uint8Array, offset = 0, what = 'DER data'): DerElement {
  if (offset + 2 > bytes.length) throw malformed(what, 'truncated');
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw malformed(what, 'multi-byte tags are not used in X.509');
  let length = bytes[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw malformed(what, 'indefinite length');
    if (count > 4 || contentStart + count > bytes.length) throw malformed(what, 'bad length');
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[contentStart + index];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw malformed(what, 'truncated');
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside a constructed element, in order. Pure; throws like readElement. */
export function readChildren(bytes: Uint8Array, parent: DerElement, what = 'DER data'): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(bytes, offset, what);
    if (child.end > parent.end) throw malformed(what, 'element overruns its parent');
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Reads a whole buffer that must be exactly one TLV with the given tag (no trailing bytes). */
export function readSingle(bytes: Uint8Array, expectedTag: number, what: string): DerElement {
  const element = readElement(bytes, 0, what);
  if (element.tag !== expectedTag) throw malformed(what, `expected tag 0x${expectedTag.toString(16)}`);
  if (element.end !== bytes.length) throw malformed(what, 'trailing bytes');
  return element;
}

/** The whole TLV as a view (no copy). */
export function elementBytes(bytes: Uint8Array, element: DerElement): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.start, element.end - element.start);
}

/** The value part as a view (no copy). */
export function contentBytes(bytes: Uint8Array, element: DerElement): Buffer {
  return Buffer.from(
    bytes.buffer,
    bytes.byteOffset + element.contentStart,
    element.end - element.contentStart,
  );
}

/** Dotted text of an OBJECT IDENTIFIER element. */
export function readOid(bytes: Uint8Array, element: DerElement): string {
  const content = contentBytes(bytes, element);
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (arcs.length === 0) throw malformed('OID', 'empty');
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** Lower-case hex of an INTEGER's magnitude (leading sign zero dropped), as serials are written. */
export function readIntegerHex(bytes: Uint8Array, element: DerElement): string {
  let content = contentBytes(bytes, element);
  while (content.length > 1 && content[0] === 0) content = content.subarray(1);
  return content.toString('hex');
}

/** UTCTime or GeneralizedTime (the Z forms RFC 5280 allows) as a Date. */
export function readTime(bytes: Uint8Array, element: DerElement): Date {
  const text = contentBytes(bytes, element).toString('latin1');
  const match =
    element.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match || (element.tag !== 0x17 && element.tag !== 0x18)) throw malformed('time', text);
  let year = Number(match[1]);
  if (element.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const [month, day, hour, minute, second] = match.slice(2).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function malformed(what: string, detail: string): InvalidError {
  return new InvalidError(`malformed ${what}: ${detail}`, {
    problems: [{ pointer: '', message: `malformed ${what}: ${detail}` }],
  });
}
