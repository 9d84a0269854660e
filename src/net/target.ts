import { parsePort } from '../units.js';
import { UsageError } from '../usageError.js';

/** A destination as the user gave it. */
export interface TargetSpec {
  readonly host: string;
  readonly port: number;
  /** The target as given, for reports: `example.com:80`, `[::1]:8080`. */
  readonly display: string;
}

const USAGE_HINT = 'give the target as host:port, [ipv6]:port or host port, like 127.0.0.1:6379';
/** The most destinations one run takes (a port range counts each port). */
export const MAX_TARGETS = 1024;

/**
 * Returns every destination from the positional arguments: one or more `host:port` (a port range
 * `host:9000-9007` stands for each port), or tcpgoon's `host port`. Connections go to them
 * round-robin.
 */
export function parseTargets(positionals: readonly string[]): TargetSpec[] {
  if (positionals.length > 2 && isHostPort(positionals.slice(0, 2)) && !(positionals[0] as string).includes(':')) {
    const extra = positionals
      .slice(2)
      .map((p) => JSON.stringify(p))
      .join(' ');
    throw new UsageError(
      `${extra} after the target ${positionals[0]} ${positionals[1]} ${positionals.length === 3 ? 'is an extra argument' : 'are extra arguments'}; give one target as host port or host:port (several as host:port each), then flags`,
    );
  }
  if (positionals.length === 0 || isHostPort(positionals)) return [parseTarget(positionals)];
  const targets = positionals.flatMap((text) => expandPortRange(text));
  if (targets.length > MAX_TARGETS)
    throw new UsageError(`${targets.length} destinations given; use at most ${MAX_TARGETS}`);
  return targets;
}

/** Returns the destinations as reports name them: the arguments as given, joined by spaces. */
export function describeTargets(positionals: readonly string[]): string {
  return isHostPort(positionals) ? parseTarget(positionals).display : positionals.join(' ');
}

/** Returns true for tcpgoon's `host port` form: two arguments, the second a bare number. */
function isHostPort(positionals: readonly string[]): boolean {
  return positionals.length === 2 && /^\d+$/.test(positionals[1] as string);
}

function expandPortRange(text: string): TargetSpec[] {
  const range = /^(.*):(\d+)-(\d+)$/.exec(text.trim());
  if (!range) return [parseTarget([text])];
  const [low, high] = [parsePort(range[2] as string, 'target port'), parsePort(range[3] as string, 'target port')];
  if (high < low)
    throw new UsageError(`port range ${low}-${high} in ${JSON.stringify(text)} runs backwards; write it low-high`);
  if (high - low + 1 > MAX_TARGETS)
    throw new UsageError(`port range ${low}-${high} has ${high - low + 1} ports; use at most ${MAX_TARGETS}`);
  return Array.from({ length: high - low + 1 }, (_, i) => parseTarget([`${range[1]}:${low + i}`]));
}

/**
 * Returns the target from the command's positional arguments: `host:port`, `[v6]:port`, or
 * `host port` (tcpgoon's order).
 */
export function parseTarget(positionals: readonly string[]): TargetSpec {
  if (positionals.length === 0) throw new UsageError(`no target given; ${USAGE_HINT}`);
  if (isHostPort(positionals)) return make(positionals[0] as string, positionals[1] as string);
  if (positionals.length > 1) {
    const extra = positionals
      .slice(1)
      .map((p) => JSON.stringify(p))
      .join(' ');
    throw new UsageError(`unexpected argument ${extra}; ${USAGE_HINT}, then flags`);
  }
  const text = (positionals[0] as string).trim();
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracketed) return make(bracketed[1] as string, bracketed[2] as string, true);
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new UsageError(`target ${JSON.stringify(text)} has no port; ${USAGE_HINT}`);
  if (text.indexOf(':') !== colon) {
    throw new UsageError(
      `target ${JSON.stringify(text)} is ambiguous; write an IPv6 address in brackets, like [::1]:8080`,
    );
  }
  return make(text.slice(0, colon), text.slice(colon + 1));
}

/** What a host name or IP literal is made of (an IPv6 zone after %); anything else was never a host. */
const HOST_CHARS = /^[A-Za-z0-9._\-:%]+$/;

function make(host: string, portText: string, v6 = false): TargetSpec {
  if (host.trim() === '') throw new UsageError(`the target's host is empty; ${USAGE_HINT}`);
  if (!HOST_CHARS.test(host))
    throw new UsageError(
      `the target's host ${JSON.stringify(host.length > 80 ? `${host.slice(0, 80)}…` : host)} has ${/[\s\p{Cc}]/u.test(host) ? 'a space, newline or control character' : 'a character no host name has'}; give a host name or an IP address, like 127.0.0.1:6379`,
    );
  const port = parsePort(portText, `target port`);
  return { host, port, display: v6 || host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}
