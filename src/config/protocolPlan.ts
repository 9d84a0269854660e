import type { ExpectMatcher } from '../fleet/expectMatcher.js';
import type { TargetSpec } from '../net/target.js';
import { hasHeartbeat, type Protocol, type ProtocolParams } from '../protocols/protocol.js';
import { type CredentialEnv, isUrlTarget, parseUrlTarget, type UrlTarget } from '../protocols/urlTarget.js';
import { UsageError } from '../usageError.js';

/** What a run's URL targets decide: the protocol, its destinations, and what each connection sends and expects. */
export interface ProtocolPlan {
  readonly protocol: Protocol;
  readonly tls: boolean;
  readonly targets: readonly TargetSpec[];
  /** The URLs as reports name them, without credentials, joined by spaces. */
  readonly display: string;
  /** What a connection sends on open; undefined when the server speaks first. */
  readonly send: Buffer | undefined;
  readonly expect: ExpectMatcher;
  /** The heartbeat exchange, with --heartbeat. */
  readonly heartbeat?: { readonly bytes: Buffer; readonly expect: ExpectMatcher } | undefined;
}

/** Flags a URL target decides for itself: given with one, they are refused. */
const DECIDED_BY_URL = {
  send: '--send',
  sendFile: '--send-file',
  firstMessage: '--first-message',
  firstMessageFile: '--first-message-file',
  expect: '--expect',
  heartbeatSend: '--heartbeat-send',
  heartbeatExpect: '--heartbeat-expect',
  tls: '--tls',
  websocket: '--websocket',
  wsPath: '--ws-path',
} as const;

/** Returns `200-299,304` as ranges ([[200, 299], [304, 304]]), or throws a UsageError naming the fix. */
export function parseStatusRanges(text: string): Array<[number, number]> {
  const ranges = text.split(',').map((part) => {
    const m = /^\s*([1-5]\d\d)\s*(?:-\s*([1-5]\d\d)\s*)?$/.exec(part);
    const low = Number(m?.[1]);
    const high = Number(m?.[2] ?? m?.[1]);
    if (!m || high < low)
      throw new UsageError(
        `--http-status ${JSON.stringify(text)} is not a list of HTTP statuses; give them like 200-299,304 (100 to 599, low-high)`,
      );
    return [low, high] as [number, number];
  });
  return ranges;
}

/** Returns true when the positional arguments name URL targets (`redis://…`) rather than host:port. */
export function hasUrlTargets(positionals: readonly string[]): boolean {
  return positionals.some(isUrlTarget);
}

/**
 * Returns the plan of URL targets, or throws a UsageError naming the problem and the fix: every
 * target a URL of one protocol (and all over TLS or none), no flag that the protocol decides, and a
 * heartbeat only where the protocol has one.
 */
export function planProtocol(
  positionals: readonly string[],
  raw: Readonly<Record<string, unknown>>,
  env: CredentialEnv,
): ProtocolPlan {
  const plain = positionals.find((p) => !isUrlTarget(p));
  if (plain !== undefined)
    throw new UsageError(
      `${JSON.stringify(plain)} is host:port among URL targets; give every target as a URL of the same scheme (like redis://127.0.0.1:6379), or every one as host:port`,
    );
  const urls: UrlTarget[] = positionals.map((p) => parseUrlTarget(p, env));
  const first = urls[0] as UrlTarget;
  const other = urls.find((u) => u.protocol !== first.protocol || u.tls !== first.tls);
  if (other)
    throw new UsageError(
      `${other.display} speaks ${other.protocol.name}${other.tls ? ' over TLS' : ''} and ${first.display} ${first.protocol.name}${first.tls ? ' over TLS' : ''}; one run probes one protocol: run them one at a time`,
    );
  for (const [name, flag] of Object.entries(DECIDED_BY_URL)) {
    if (raw[name] === undefined || raw[name] === false) continue;
    const why =
      name === 'tls'
        ? `the URL's scheme decides TLS: write ${first.protocol.tlsSchemes[0] ?? 'a TLS scheme'}:// for ${first.protocol.name} over TLS`
        : name === 'websocket' || name === 'wsPath'
          ? 'the URL decides WebSocket: write ws:// or wss:// with the path'
          : `${first.protocol.name} (${first.scheme}://) decides what to send and what counts as served; give host:port to use ${flag}`;
    throw new UsageError(`${flag} cannot be combined with a URL target; ${why}`);
  }
  const heartbeatAsked = raw.heartbeat !== undefined;
  const protocol = first.protocol;
  if (heartbeatAsked && !hasHeartbeat(protocol))
    throw new UsageError(
      `--heartbeat: ${'none' in protocol.heartbeat ? protocol.heartbeat.none : 'no heartbeat'}; drop --heartbeat for ${protocol.name}`,
    );
  const statusText = raw.httpStatus;
  if (statusText !== undefined && protocol.name !== 'HTTP')
    throw new UsageError(`--http-status applies to http:// and https:// targets; drop it for ${protocol.name}`);
  const params: ProtocolParams = {
    ...first.params,
    ...(typeof statusText === 'string' ? { servedStatus: parseStatusRanges(statusText) } : {}),
    host: first.host,
    port: first.ports[0] as number,
    session: heartbeatAsked,
  };
  const send = protocol.open.send(params);
  const matcher = (phase: 'open' | 'heartbeat'): ExpectMatcher => ({
    kind: 'protocol',
    protocol: protocol.name,
    phase,
    params,
    source: phase === 'open' ? `${protocol.name}: ${protocol.served}` : `${protocol.name} heartbeat`,
  });
  const targets = urls.flatMap((u) =>
    u.ports.map((port) => ({
      host: u.host,
      port,
      display: `${u.scheme}://${u.host.includes(':') ? `[${u.host}]` : u.host}:${port}`,
    })),
  );
  return {
    protocol,
    tls: first.tls,
    targets,
    display: urls.map((u) => u.display).join(' '),
    send: send.length > 0 ? send : undefined,
    expect: matcher('open'),
    heartbeat:
      heartbeatAsked && hasHeartbeat(protocol)
        ? { bytes: protocol.heartbeat.send(params), expect: matcher('heartbeat') }
        : undefined,
  };
}
