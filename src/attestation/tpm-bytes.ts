/**
 * A bounded reader of TPM 2.0 marshalled structures (big-endian integers, TPM2B size-prefixed
 * buffers). Every read checks the remaining length; overruns throw MalformedInput.
 */
import { MalformedInput } from './result.js';

/** The largest TPM2B this library accepts: larger than any key, name, signature or attestation it reads. */
export const MAX_TPM2B_SIZE = 1024;

/** Reads a TPM structure front to back. Not reusable across inputs. */
export class TpmReader {
  private offset = 0;
  private readonly bytes: Buffer;

  constructor(
    input: Uint8Array,
    private readonly what: string,
  ) {
    this.bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** The bytes from `start` to the current position (e.g. the TPMT_PUBLIC inside a TPM2B_PUBLIC). */
  sliceFrom(start: number): Buffer {
    return this.bytes.subarray(start, this.offset);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes.readUInt8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const value = this.bytes.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  fixed(length: number, field: string): Buffer {
    this.need(length, field);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A TPM2B: a 16-bit size then that many bytes, at most `maxSize`. */
  tpm2b(field: string, maxSize: number = MAX_TPM2B_SIZE): Buffer {
    const size = this.u16(`${field} size`);
    if (size > maxSize)
      throw new MalformedInput(`${this.what}: ${field} is ${size} bytes, more than ${maxSize}`);
    return this.fixed(size, field);
  }

  /** Refuses trailing bytes: every structure read here must be consumed exactly. */
  end(): void {
    if (this.remaining !== 0)
      throw new MalformedInput(`${this.what}: ${this.remaining} trailing bytes after the structure`);
  }

  private need(length: number, field: string): void {
    if (this.remaining < length)
      throw new MalformedInput(
        `${this.what} is truncated: ${field} needs ${length} bytes, ${this.remaining} left`,
      );
  }
}

/** A TPM2B of `value`: its 16-bit size then the bytes. Pure. */
export function marshalTpm2b(value: Uint8Array): Buffer {
  if (value.length > 0xffff) throw new RangeError(`a TPM2B holds at most 65535 bytes, not ${value.length}`);
  const size = Buffer.alloc(2);
  size.writeUInt16BE(value.length);
  return Buffer.concat([size, value]);
}

/** A 16-bit big-endian integer. Pure. */
export function u16be(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

/** A 32-bit big-endian integer. Pure. */
export function u32be(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
