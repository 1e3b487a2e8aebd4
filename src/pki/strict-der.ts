/**
 * Untrusted ASN.1 read by a library, strictly. What devices and operators send (CSRs, public keys,
 * certificates) is parsed by @peculiar/asn1-schema against the RFC 5280 / RFC 2986 schemas of
 * @peculiar/asn1-x509 and asn1-csr, then encoded again: input whose re-encoding differs is not
 * DER and is refused. That one rule refuses every BER liberty a hand-written reader must think
 * of one by one — non-minimal lengths, indefinite lengths, trailing bytes, padded OIDs or
 * INTEGERs, BIT STRINGs with unused bits, unsorted or duplicate DEFAULT fields — and it makes the
 * bytes a signature covers exactly the bytes the library read.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { InvalidError } from '../errors.js';

/**
 * Parses `der` as `type`, requiring it to be exactly the DER encoding of what was read. Pure.
 * @throws InvalidError at `pointer`, naming `what` and why.
 */
export function parseStrictDer<T>(der: Uint8Array, type: new () => T, what: string, pointer: string): T {
  let parsed: T;
  try {
    parsed = AsnConvert.parse(der, type);
  } catch (error) {
    throw refuse(`malformed ${what}: ${reasonOf(error)}`, pointer, error);
  }
  let again: Buffer;
  try {
    again = Buffer.from(AsnConvert.serialize(parsed));
  } catch (error) {
    throw refuse(`malformed ${what}: ${reasonOf(error)}`, pointer, error);
  }
  const input = Buffer.from(der.buffer, der.byteOffset, der.length);
  if (!again.equals(input)) throw refuse(`malformed ${what}: ${nonDerReason(input, again)}`, pointer);
  return parsed;
}

/** Why `input` is not the DER `again`: trailing data, or where the encodings first differ. Pure. */
function nonDerReason(input: Buffer, again: Buffer): string {
  if (input.length > again.length && input.subarray(0, again.length).equals(again))
    return `${input.length - again.length} trailing byte(s) after the structure`;
  let at = 0;
  while (at < input.length && at < again.length && input[at] === again[at]) at++;
  return `not DER (its encoding differs from the canonical one at byte ${at}: a non-minimal length, a padded value, a BIT STRING with unused bits or another BER form)`;
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // The library's messages name schema classes; keep them short and printable.
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200) || 'unreadable';
}

function refuse(message: string, pointer: string, cause?: unknown): InvalidError {
  return new InvalidError(message, { cause, problems: [{ pointer, message }] });
}
