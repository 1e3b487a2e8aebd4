/** CIDR ranges (`10.0.0.0/8`, `fd00::/8`), as name constraints and the `x-cidr` keyword read them. */
import { isIP } from 'node:net';

/** An address's bytes: 4 for IPv4, 16 for IPv6 (`::ffff:1.2.3.4` tails included). Pure; `ip` must pass isIP. */
export function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // Expand '::' then write eight 16-bit groups; an embedded IPv4 tail becomes two groups.
  let text = ip;
  const v4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4Tail) {
    const [a, b, c, d] = v4Tail.slice(1).map(Number);
    text = `${text.slice(0, v4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = Buffer.alloc(16);
  const groups = [...headGroups, ...zeros, ...tailGroups];
  for (let index = 0; index < 8; index++) bytes.writeUInt16BE(Number.parseInt(groups[index], 16), index * 2);
  return bytes;
}

/** A range's network address and mask bytes, or undefined when `range` is not address/prefix. Pure. */
export function parseCidr(range: string): { address: Buffer; mask: Buffer } | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(range);
  if (!match || isIP(match[1]) === 0 || match[1].includes('%')) return undefined;
  const address = ipBytes(match[1]);
  const prefix = Number(match[2]);
  if (prefix > address.length * 8) return undefined;
  const mask = Buffer.alloc(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
  return { address, mask };
}

/** Why `range` is not a CIDR range with its host bits clear; undefined when it is. Pure. */
export function cidrProblem(range: string): string | undefined {
  const parsed = parseCidr(range);
  if (!parsed) return 'must be a CIDR range: an IPv4 or IPv6 address, "/", a prefix length';
  if (parsed.address.some((byte, index) => (byte & ~parsed.mask[index] & 0xff) !== 0))
    return 'has host bits set: give the network address (e.g. 10.0.0.0/8)';
  return undefined;
}
