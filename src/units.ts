import { UsageError } from './usageError.js';

/** A duration unit and its length in milliseconds. */
const MS_PER_UNIT: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Returns a duration in milliseconds from text such as `250ms`, `1.5s`, `2m`, `1h` or `1d`.
 * A bare number is in `bareUnit`, the unit the flag had in tcpgoon.
 */
export function parseDuration(text: string, flag: string, bareUnit: 'ms' | 's'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a duration; use a non-negative number with a unit, like 500ms, 2s or 1m`,
    );
  }
  return Number(match[1]) * (MS_PER_UNIT[match[2] ?? bareUnit] as number);
}

/** Returns a whole number from text such as `500`, `5k` or `1m` (tcpkali's multipliers). */
export function parseCount(text: string, flag: string, min = 1): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  const value = match ? Number(match[1]) * multiplier(match[2] ?? '') : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a whole number of at least ${min}; use for example ${flag} ${Math.max(min, 100)}`,
    );
  }
  return value;
}

function multiplier(suffix: string): number {
  if (suffix === 'k' || suffix === 'K') return 1000;
  if (suffix === 'm' || suffix === 'M') return 1_000_000;
  return 1;
}

/**
 * Returns a rate in connections per second from `100/s`, `5k/s`, `50/500ms` or a bare `100`
 * (per second).
 */
export function parseRate(text: string, flag: string, unit = 'connections'): number {
  const match = /^(\d+(?:\.\d+)?[kK]?)(?:\/(\d+(?:\.\d+)?)?(ms|s|m|h))?$/.exec(text.trim());
  const count = match ? Number.parseFloat(match[1] as string) * multiplier((match[1] as string).slice(-1)) : Number.NaN;
  const per = match?.[3] ? Number(match[2] ?? 1) * (MS_PER_UNIT[match[3]] as number) : 1000;
  const ratePerSec = (count * 1000) / per;
  if (!Number.isFinite(ratePerSec) || ratePerSec <= 0) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a rate; use ${unit} per time, like 100/s, 5k/s or 50/500ms (a bare 5k is per second)`,
    );
  }
  return ratePerSec;
}

/** Bytes per second of each bandwidth unit (tcpkali's: bits with a small b, bytes with a capital B). */
const BYTES_PER_SEC: Readonly<Record<string, number>> = {
  bps: 1 / 8,
  kbps: 1000 / 8,
  mbps: 1_000_000 / 8,
  gbps: 1_000_000_000 / 8,
  Bps: 1,
  kBps: 1000,
  KBps: 1000,
  MBps: 1_000_000,
  GBps: 1_000_000_000,
};

/**
 * Returns a bandwidth in bytes per second from tcpkali's forms: `100kbps`, `10Mbps`, `1Gbps`
 * (bits per second) or `500kBps`, `2MBps` (bytes per second). The unit is required: `10M` alone
 * could be either.
 */
export function parseBandwidth(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)(bps|Bps)$/.exec(text.trim());
  const prefix = match?.[2] ?? '';
  const key = match?.[3] === 'bps' ? `${prefix.toLowerCase()}bps` : `${prefix === 'k' ? 'k' : prefix.toUpperCase()}Bps`;
  const bytes = match ? Number(match[1]) * (BYTES_PER_SEC[key] ?? Number.NaN) : Number.NaN;
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a bandwidth; use bits per second (100kbps, 10Mbps) or bytes per second (500kBps, 2MBps)`,
    );
  }
  return bytes;
}

/** Returns a byte count as short text: `512 B`, `1.5 kB`, `2.25 MB`, `1.2 GB` (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = '';
  for (const u of units) {
    value /= 1000;
    unit = u;
    if (value < 1000) break;
  }
  return `${Number(value.toFixed(value < 10 ? 2 : 1))} ${unit}`;
}

/** A round's failure allowance: a fraction of its attempts, or an absolute count. */
export type Threshold = { readonly fraction: number } | { readonly count: number };

/** Returns the threshold from `1%`, `0.5%` (a fraction of the attempts) or `5` (a count). */
export function parseThreshold(text: string, flag: string): Threshold {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (percent && Number(percent[1]) <= 100) return { fraction: Number(percent[1]) / 100 };
  if (/^\d+$/.test(text.trim())) return { count: Number(text) };
  throw new UsageError(
    `${flag} ${JSON.stringify(text)} is not a threshold; use a percentage of the round's attempts (1%) or a count of failures (5)`,
  );
}

/** Returns a TCP port from text; 0 is allowed only where `allowZero` (a server picking a free port). */
export function parsePort(text: string, what: string, allowZero = false): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535 || (port === 0 && !allowZero)) {
    const range = allowZero ? '0 to 65535' : '1 to 65535';
    throw new UsageError(`${what} ${JSON.stringify(text)} is not a port; use a number from ${range}`);
  }
  return port;
}

/** The one-character escapes `decodeEscapes` knows, and their bytes. */
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { r: 13, n: 10, t: 9, '0': 0, '\\': 92 };

/**
 * Returns a byte string from text with the escapes `\r \n \t \0 \\ \xNN` decoded. Any other
 * backslash (`\xZZ`, a bare `\x`, a trailing `\`, `\q`) is a UsageError naming `flag`: sending it
 * literally would send bytes the user did not mean.
 */
export function decodeEscapes(text: string, flag: string): Buffer {
  const parts: Buffer[] = [];
  let literal = 0;
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', literal)) {
    parts.push(Buffer.from(text.slice(literal, i), 'utf8'));
    const next = text[i + 1];
    const simple = next === undefined ? undefined : SIMPLE_ESCAPES[next];
    const hex = text.slice(i + 2, i + 4);
    if (simple !== undefined) parts.push(Buffer.of(simple));
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(hex)) parts.push(Buffer.of(Number.parseInt(hex, 16)));
    else {
      const bad = next === undefined ? 'a trailing \\' : next === 'x' ? `\\x${hex}` : `\\${next}`;
      throw new UsageError(
        `${flag} ${JSON.stringify(text)} has ${bad}, which is not an escape; use \\r \\n \\t \\0 \\\\ or \\xNN (two hex digits)`,
      );
    }
    literal = i + (next === 'x' ? 4 : 2);
  }
  parts.push(Buffer.from(text.slice(literal), 'utf8'));
  return Buffer.concat(parts);
}

/** Returns a duration as short text: `850ms`, `1.5s`, `2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  return `${Number((ms / 60_000).toFixed(2))}m`;
}
