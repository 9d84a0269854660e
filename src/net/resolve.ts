import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TargetSpec } from './target.js';
import { UsageError } from '../usageError.js';

/** A destination resolved once, dialed by address. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** How a name is looked up; injectable so tests never query a resolver. */
export type LookupFn = (host: string) => Promise<{ address: string; family: number }>;

const defaultLookup: LookupFn = (host) => dnsLookup(host, { verbatim: true });

/**
 * Returns the endpoint to dial for a target: an address literal as it is, a name resolved once
 * (the first answer the system resolver prefers). Names under `.invalid` (RFC 6761) never
 * resolve and are refused without a query.
 */
export async function resolveTarget(target: TargetSpec, lookup: LookupFn = defaultLookup): Promise<Endpoint> {
  const literal = isIP(target.host);
  if (literal) return { host: target.host, port: target.port, family: literal as 4 | 6 };
  const notFound = (why: string): UsageError =>
    new UsageError(`cannot resolve ${JSON.stringify(target.host)} (${why}); check the name or give an IP address`);
  if (/(^|\.)invalid\.?$/i.test(target.host)) throw notFound('ENOTFOUND');
  try {
    const answer = await lookup(target.host);
    return { host: answer.address, port: target.port, family: answer.family === 6 ? 6 : 4 };
  } catch (err) {
    throw notFound(String((err as { code?: unknown }).code ?? (err as Error).message));
  }
}

/** Returns `address:port`, with IPv6 addresses in brackets. */
export function formatEndpoint(endpoint: { host: string; port: number }): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
