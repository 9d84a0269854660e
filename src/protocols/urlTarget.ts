import { UsageError } from '../usageError.js';
import type { ProtocolParams } from './protocol.js';
import { allSchemes, protocolOfScheme } from './protocols.js';
import type { Protocol } from './protocol.js';

/** The environment variables a URL target reads credentials from when the URL has none. */
export const CREDENTIAL_VARIABLES = [
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'REDISCLI_AUTH',
  'NATS_USER',
  'NATS_PASSWORD',
  'NATS_TOKEN',
] as const;

/** Their values, as the CLI reads them from the environment. */
export type CredentialEnv = Readonly<Partial<Record<(typeof CREDENTIAL_VARIABLES)[number], string>>>;

/** One URL target: its protocol, whether over TLS, each destination port, and what the protocol needs. */
export interface UrlTarget {
  /** The scheme as given, in lower case: `rediss`. */
  readonly scheme: string;
  readonly protocol: Protocol;
  readonly tls: boolean;
  readonly host: string;
  /** One port, or each port of a range (`redis://h:7000-7005`). */
  readonly ports: readonly number[];
  /** Everything but host, port and session: from the URL, then the environment. */
  readonly params: Omit<ProtocolParams, 'host' | 'port' | 'session'>;
  /** The URL without its credentials, for reports: `redis://127.0.0.1:6379`. */
  readonly display: string;
}

/** Returns the scheme of a URL (`scheme://…`) in lower case, or null for anything else (host:port). */
export function schemeOf(text: string): string | null {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(text.trim())?.[1]?.toLowerCase() ?? null;
}

/** Returns true when the argument is a URL (`scheme://…`) rather than host:port. */
export function isUrlTarget(text: string): boolean {
  return schemeOf(text) !== null;
}

const MAX_RANGE = 1024;

/**
 * Returns the URL target of an argument like `postgres://user@127.0.0.1:5432/db` or
 * `redis://127.0.0.1:7000-7005`, or throws a UsageError naming what is wrong and the fix.
 * Credentials come from the URL, else from the protocol's usual environment variables.
 */
export function parseUrlTarget(text: string, env: CredentialEnv): UrlTarget {
  const trimmed = text.trim();
  const scheme = schemeOf(trimmed) ?? '';
  const found = protocolOfScheme(scheme);
  if (!found)
    throw new UsageError(
      `unknown URL scheme ${JSON.stringify(`${scheme}://`)}; use one of ${allSchemes().join(', ')}, or give host:port for plain TCP`,
    );
  // A port range is no URL port: take it out before the URL parser sees it.
  const range = /^([^/?#]*?:\/\/[^/?#]*):(\d+)-(\d+)([/?#].*)?$/.exec(trimmed);
  let url: URL;
  try {
    url = new URL(range ? `${range[1]}${range[4] ?? ''}` : trimmed);
  } catch {
    throw new UsageError(
      `${JSON.stringify(redactUrl(trimmed))} is not a URL this tool can read; write it like ${scheme}://127.0.0.1:${found.protocol.defaultPort}`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '')
    throw new UsageError(
      `${JSON.stringify(redactUrl(trimmed))} has no host; write it like ${scheme}://127.0.0.1:${found.protocol.defaultPort}`,
    );
  if (!/^[A-Za-z0-9._\-:%]+$/.test(host))
    throw new UsageError(
      `the host of ${JSON.stringify(redactUrl(trimmed))} has a character no host name has; give a host name or an IP address`,
    );
  const defaultPort = found.tls
    ? (found.protocol.defaultTlsPort ?? found.protocol.defaultPort)
    : found.protocol.defaultPort;
  let ports: number[];
  if (range) {
    const [low, high] = [Number(range[2]), Number(range[3])];
    if (low < 1 || high > 65535 || high < low)
      throw new UsageError(
        `port range ${low}-${high} in ${JSON.stringify(redactUrl(trimmed))} is not low-high within 1-65535; write it like 7000-7005`,
      );
    if (high - low + 1 > MAX_RANGE)
      throw new UsageError(`port range ${low}-${high} has ${high - low + 1} ports; use at most ${MAX_RANGE}`);
    ports = Array.from({ length: high - low + 1 }, (_, i) => low + i);
  } else ports = [url.port === '' ? defaultPort : Number(url.port)];
  if (ports[0] === 0)
    throw new UsageError(
      `port 0 in ${JSON.stringify(redactUrl(trimmed))} is not a port to dial; give the server's port, or none for ${defaultPort}`,
    );
  const decode = (s: string): string | undefined => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(
        `${JSON.stringify(redactUrl(trimmed))} has a % that is not a percent-encoded byte; write % as %25 in a user, password or path`,
      );
    }
  };
  const name = found.protocol.name;
  let user = decode(url.username);
  let password = decode(url.password);
  let path = url.pathname === '/' && url.search === '' ? '' : `${url.pathname}${url.search}`;
  if (name === 'PostgreSQL') {
    user ??= env.PGUSER;
    password ??= env.PGPASSWORD;
    path = decode(url.pathname.replace(/^\//, '')) ?? env.PGDATABASE ?? '';
  } else if (name === 'Redis') {
    password ??= env.REDISCLI_AUTH;
  } else if (name === 'NATS') {
    user ??= env.NATS_USER ?? env.NATS_TOKEN;
    password ??= env.NATS_USER ? env.NATS_PASSWORD : undefined;
  }
  const version = url.searchParams.get('version') ?? undefined;
  if (name === 'MQTT') {
    if (version !== undefined && version !== '5' && version !== '3.1.1')
      throw new UsageError(
        `MQTT version ${JSON.stringify(version)} is not one this tool speaks; use ?version=5 or ?version=3.1.1`,
      );
    path = '';
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const shownPorts = range ? `${range[2]}-${range[3]}` : String(ports[0]);
  const shownPath = name === 'PostgreSQL' ? (path ? `/${path}` : '') : name === 'MQTT' ? url.search : path;
  return {
    scheme,
    protocol: found.protocol,
    tls: found.tls,
    host,
    ports,
    params: { user, password, path, version },
    display: `${scheme}://${shownHost}:${shownPorts}${shownPath}`,
  };
}

/** Returns the text with the password of any URL in it replaced by `***`: for argv in reports and records. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, '$1:***@');
}
