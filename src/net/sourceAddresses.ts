import { isIP } from 'node:net';
import { UsageError } from '../usageError.js';

/** What `--source-ip` asked for: explicit addresses, or `auto`. */
export type SourceSpec = { readonly kind: 'list'; readonly addresses: readonly string[] } | { readonly kind: 'auto' };

/** The most source addresses one run binds. */
export const MAX_SOURCES = 256;
/** Connections one bound source address takes before the kernel's port search slows, with Node binding first (see the README's Performance section). */
export const BOUND_SOURCE_SLOWDOWN = 7000;

const HINT = 'give addresses or IPv4 CIDRs separated by commas (127.0.0.2,127.0.0.3 or 127.0.0.0/28), or auto';

/** Returns the `--source-ip` value: `auto`, or a comma-separated list of addresses and IPv4 CIDR blocks. */
export function parseSourceSpec(text: string): SourceSpec {
  if (text.trim() === 'auto') return { kind: 'auto' };
  const addresses: string[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') throw new UsageError(`--source-ip ${JSON.stringify(text)} has an empty entry; ${HINT}`);
    if (part.includes('/')) addresses.push(...expandCidr(part));
    else if (isIP(part)) addresses.push(part);
    else throw new UsageError(`--source-ip entry ${JSON.stringify(part)} is not an IP address; ${HINT}`);
    if (addresses.length > MAX_SOURCES)
      throw new UsageError(`--source-ip names more than ${MAX_SOURCES} addresses; use a smaller block`);
  }
  return { kind: 'list', addresses: [...new Set(addresses)] };
}

/**
 * Returns the host addresses of an IPv4 CIDR block: every address for /31 and /32, otherwise
 * without the network and broadcast addresses.
 */
export function expandCidr(text: string): string[] {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text);
  const prefix = Number(match?.[2]);
  if (!match || isIP(match[1] as string) !== 4 || prefix > 32) {
    throw new UsageError(
      `--source-ip ${JSON.stringify(text)} is not an IPv4 CIDR block; write it like 127.0.0.0/28 (IPv6 sources as a list)`,
    );
  }
  const size = 2 ** (32 - prefix);
  if (size > MAX_SOURCES + 2)
    throw new UsageError(`--source-ip ${text} has ${size} addresses; use at most ${MAX_SOURCES} (a /24 or smaller)`);
  const base = (toNumber(match[1] as string) & ~(size - 1)) >>> 0;
  const [first, last] = size <= 2 ? [0, size - 1] : [1, size - 2];
  return Array.from({ length: last - first + 1 }, (_, i) => fromNumber(base + first + i));
}

/**
 * Returns true when `auto` needs more than one source address: the run can reach past what one
 * unbound address holds, its ephemeral ports towards every destination (`oneAddressHolds`; null
 * when unknown, taken as the kernel's default range). Below that, extra addresses only add ways to
 * be told apart by the target (an allow list, Redis protected mode) and no capacity.
 */
export function needsSpread(reach: number | null, oneAddressHolds: number | null): boolean {
  return reach === null || reach > (oneAddressHolds ?? DEFAULT_EPHEMERAL_PORTS);
}

/** The ephemeral ports of Linux's default ip_local_port_range (32768-60999). */
export const DEFAULT_EPHEMERAL_PORTS = 28_232;

/**
 * Returns the source addresses `auto` picks for a loopback IPv4 destination: none (the kernel
 * picks 127.0.0.1) while one address holds the whole reach, otherwise 127.0.0.1, 127.0.0.2, …,
 * enough that no address carries more than BOUND_SOURCE_SLOWDOWN of `reach` connections. Linux
 * answers for all of 127.0.0.0/8, so these need no alias set up.
 */
export function loopbackSources(reach: number | null, oneAddressHolds: number | null): string[] {
  if (!needsSpread(reach, oneAddressHolds)) return [];
  const count = Math.min(MAX_SOURCES, Math.max(2, Math.ceil((reach ?? 0) / BOUND_SOURCE_SLOWDOWN)));
  return Array.from({ length: count }, (_, i) => fromNumber(toNumber('127.0.0.1') + i));
}

/** Returns true when the address is one this machine can bind: a loopback address, or one of its interfaces'. */
export function isLocalAddress(address: string, interfaceAddresses: readonly string[]): boolean {
  if (isIP(address) === 4 && address.startsWith('127.')) return true;
  return address === '::1' || interfaceAddresses.includes(address);
}

/** Throws a UsageError naming the first address that is not this machine's (given its interface addresses). */
export function checkLocalSources(addresses: readonly string[], interfaceAddresses: readonly string[]): void {
  const foreign = addresses.find((address) => !isLocalAddress(address, interfaceAddresses));
  if (foreign)
    throw new UsageError(
      `--source-ip ${foreign} is not an address of this machine; add it first (ip addr add ${foreign}/32 dev IFACE) or leave it out`,
    );
}

function toNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function fromNumber(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
