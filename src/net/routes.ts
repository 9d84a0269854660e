import { formatEndpoint, type Endpoint } from './resolve.js';

/** One way to the target: a destination and, optionally, the local address to dial from. */
export interface Route {
  readonly endpoint: Endpoint;
  /** Source address to bind before connecting; absent, the kernel picks it. */
  readonly localAddress?: string | undefined;
}

/**
 * Returns every (source, destination) pair, destinations varying fastest, so that dealing them out
 * round-robin spreads connections evenly over both. Sources of the other address family are skipped.
 */
export function buildRoutes(endpoints: readonly Endpoint[], sources: readonly string[]): Route[] {
  if (sources.length === 0) return endpoints.map((endpoint) => ({ endpoint }));
  const routes: Route[] = [];
  for (const localAddress of sources) {
    for (const endpoint of endpoints) {
      if (familyOf(localAddress) === endpoint.family) routes.push({ endpoint, localAddress });
    }
  }
  return routes;
}

/**
 * Returns the routes of shard `index` of `count`: a disjoint share when there are at least as many
 * routes as shards (each pair's ports then belong to one shard), otherwise every route, rotated so
 * that the shards start on different pairs.
 */
export function shardRoutes(routes: readonly Route[], index: number, count: number): Route[] {
  if (routes.length >= count) return routes.filter((_, i) => i % count === index);
  return routes.map((_, i) => routes[(i + index) % routes.length] as Route);
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Returns the destinations dialed, for reports: all of them up to four, else the first and last and a count. */
export function describeRoutes(routes: readonly Route[]): string {
  const destinations = [...new Set(routes.map((route) => formatEndpoint(route.endpoint)))];
  const sources = new Set(routes.flatMap((route) => (route.localAddress === undefined ? [] : [route.localAddress])));
  const to =
    destinations.length <= 4
      ? destinations.join(' ')
      : `${destinations[0]} … ${destinations.at(-1)} (${destinations.length} destinations)`;
  return sources.size === 0 ? to : `${to} from ${sources.size} source address${sources.size === 1 ? '' : 'es'}`;
}
