/**
 * DER encoding primitives (X.690), just what X.509 certificates and CRLs need. Every function is
 * pure and returns a complete TLV (tag, length, value) so callers build structures by nesting and
 * concatenating; the issuer's fast path depends on pieces being reusable byte for byte.
 */

/** Universal tags used by X.509. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/**
 * Length octets. DER demands the shortest form: one byte below 128, otherwise 0x80|n followed by
 * n big-endian bytes with no leading zero (X.690 §10.1). A non-minimal length would still parse in
 * lenient decoders but makes `openssl verify` and strict clients reject the signature input.
 */
export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function lengthOfLength(length: number): number {
  if (length < 0x80) return 1;
  let count = 1;
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) count++;
  return count;
}

/** One TLV whose value is the concatenation of `contents`; copies each byte once. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  let contentLength = 0;
  for (const part of contents) contentLength += part.length;
  const headerLength = 1 + lengthOfLength(contentLength);
  const out = Buffer.allocUnsafe(headerLength + contentLength);
  out[0] = tag;
  encodeLength(contentLength).copy(out, 1);
  let offset = headerLength;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(Tag.sequence, ...items);
}

export function set(...items: Uint8Array[]): Buffer {
  return tlv(Tag.set, ...items);
}

/** Context-specific constructed tag [n] (EXPLICIT tagging, or IMPLICIT on a constructed type). */
export function contextConstructed(tagNumber: number, ...contents: Uint8Array[]): Buffer {
  return tlv(0xa0 | tagNumber, ...contents);
}

/** Context-specific primitive tag [n] (IMPLICIT tagging of a primitive type, e.g. GeneralName). */
export function contextPrimitive(tagNumber: number, content: Uint8Array): Buffer {
  return tlv(0x80 | tagNumber, content);
}

/** OBJECT IDENTIFIER from dotted text; base-128 arcs, first two arcs packed as 40*a+b. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  if (arcs.length < 2) throw new RangeError(`invalid OID ${dotted}`);
  const body: number[] = [];
  const encodeArc = (arc: bigint) => {
    const groups = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) groups.unshift(Number(rest & 0x7fn) | 0x80);
    body.push(...groups);
  };
  encodeArc(arcs[0] * 40n + arcs[1]);
  for (const arc of arcs.slice(2)) encodeArc(arc);
  return tlv(Tag.oid, Buffer.from(body));
}

/**
 * INTEGER holding the non-negative number whose big-endian magnitude is `magnitude`. DER integers
 * are two's complement and minimal: leading zero bytes are dropped, and one zero byte is put back
 * when the top bit is set so the value does not read as negative.
 */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return tlv(Tag.integer, Buffer.from([0]));
  return trimmed[0] & 0x80 ? tlv(Tag.integer, Buffer.from([0]), trimmed) : tlv(Tag.integer, trimmed);
}

/** INTEGER from a non-negative number or bigint. */
export function integer(value: number | bigint): Buffer {
  const big = BigInt(value);
  if (big < 0n) throw new RangeError('negative integers are not used in X.509 here');
  let hex = big.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return unsignedInteger(Buffer.from(hex, 'hex'));
}

/** ENUMERATED (same content rules as INTEGER; used by CRL reason codes). */
export function enumerated(value: number): Buffer {
  const asInteger = integer(value);
  asInteger[0] = Tag.enumerated;
  return asInteger;
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(Tag.bitString, Buffer.from([unusedBits]), bytes);
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(Tag.octetString, bytes);
}

export function boolean(value: boolean): Buffer {
  // DER: TRUE is exactly 0xff.
  return Buffer.from([Tag.boolean, 1, value ? 0xff : 0]);
}

export const NULL: Buffer = Buffer.from([Tag.null, 0]);

export function utf8String(text: string): Buffer {
  return tlv(Tag.utf8String, Buffer.from(text, 'utf8'));
}

export function printableString(text: string): Buffer {
  return tlv(Tag.printableString, Buffer.from(text, 'latin1'));
}

export function ia5String(text: string): Buffer {
  return tlv(Tag.ia5String, Buffer.from(text, 'latin1'));
}

/**
 * Certificate/CRL time. RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ) from 2050; always UTC, always with seconds, never with fractions (milliseconds
 * are truncated).
 */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  if (iso.length !== 24) throw new RangeError(`date out of X.509 range: ${iso}`);
  const digits =
    iso.slice(0, 4) +
    iso.slice(5, 7) +
    iso.slice(8, 10) +
    iso.slice(11, 13) +
    iso.slice(14, 16) +
    iso.slice(17, 19);
  const year = date.getUTCFullYear();
  if (year < 1950) throw new RangeError(`date before 1950 cannot be encoded: ${iso}`);
  return year < 2050
    ? tlv(Tag.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1'))
    : tlv(Tag.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}
