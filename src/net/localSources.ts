import { networkInterfaces } from 'node:os';
import type { SourceSpec } from './sourceAddresses.js';
import { checkLocalSources, loopbackSources, needsSpread } from './sourceAddresses.js';
import { UsageError } from '../usageError.js';
import { sourceAddressFor } from './dialer.js';
import { isLoopback } from './loopback.js';
import type { Endpoint } from './resolve.js';

/** Returns every address of this machine's interfaces. */
export function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => info.address));
}

/**
 * Returns the source addresses to bind for `--source-ip`: a list checked against this machine's
 * addresses; for `auto`, only when the run can reach past what one address holds (`portsPerPair`
 * ports to each destination), 127.0.0.x addresses for IPv4 loopback destinations (enough for
 * `reach`), otherwise every address of the interface that routes to the first destination. An
 * empty result leaves the choice to the kernel.
 */
export async function resolveSources(
  spec: SourceSpec | undefined,
  endpoints: readonly Endpoint[],
  reach: number | null,
  portsPerPair: number | null,
): Promise<string[]> {
  if (spec === undefined) return [];
  if (spec.kind === 'list') {
    checkLocalSources(spec.addresses, interfaceAddresses());
    const families = new Set(endpoints.map((e) => e.family));
    if (!spec.addresses.some((address) => families.has(address.includes(':') ? 6 : 4))) {
      throw new UsageError(
        "--source-ip has no address of the destinations' family (IPv4 or IPv6); give sources of the same family",
      );
    }
    return [...spec.addresses];
  }
  // Unbound, one address has the whole port range towards each destination.
  const oneAddressHolds = portsPerPair === null ? null : portsPerPair * endpoints.length;
  if (endpoints.every((e) => e.family === 4 && isLoopback(e.host))) return loopbackSources(reach, oneAddressHolds);
  if (!needsSpread(reach, oneAddressHolds)) return [];
  const first = endpoints[0] as Endpoint;
  const routed = await sourceAddressFor(first);
  if (routed === null) return [];
  const iface = Object.values(networkInterfaces()).find((list) => list?.some((info) => info.address === routed));
  const same = (iface ?? [])
    .filter((info) => info.family === (first.family === 6 ? 'IPv6' : 'IPv4') && !info.address.startsWith('fe80:'))
    .map((info) => info.address);
  return same.length > 1 ? same : [];
}
