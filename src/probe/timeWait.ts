import { isIP } from 'node:net';
import { closeSync, openSync, readSync } from 'node:fs';
import { readText, type ReadText } from './environment.js';

/** A destination as /proc/net/tcp writes it. */
interface Destination {
  readonly host: string;
  readonly port: number;
}

/**
 * Returns how many of this machine's TCP sockets to the destinations are in TIME_WAIT, from the
 * text of /proc/net/tcp or /proc/net/tcp6: ports an earlier run left behind, which the kernel frees
 * within about 60 s. A bound source address (--source-ip, a segment's host) cannot reuse them, so a
 * run started soon after another one fails at once with addr-unavailable.
 */
export function parseTimeWait(text: string | null, destinations: readonly Destination[]): number {
  return text === null ? 0 : countTimeWait([Buffer.from(text, 'latin1')], destinations);
}

/**
 * Counts the TIME_WAIT sockets to the destinations in the text of /proc/net/tcp{,6}, given in
 * chunks. Each line is `sl: local remote st ...`, every address of a fixed width with a colon
 * inside, and TIME_WAIT is state 06: ` REMOTE 06 ` occurs only there (a local address is followed by
 * a remote one, never by ` 06 `). The bytes are searched as they come, never split into lines: a
 * host with 200,000 sockets lists 35 MB, and reading it whole and splitting it cost a run 1.9 s of
 * CPU before its first dial.
 */
export function countTimeWait(chunks: Iterable<Buffer>, destinations: readonly Destination[]): number {
  const needles = [...new Set(destinations.map(procAddress))]
    .filter((a): a is string => a !== null)
    .map((a) => Buffer.from(` ${a} 06 `, 'latin1'));
  if (needles.length === 0) return 0;
  const longest = Math.max(...needles.map((n) => n.length));
  let count = 0;
  // The end of the chunk before, too short to hold a whole match: a match may straddle two chunks.
  let carry = Buffer.alloc(0);
  for (const chunk of chunks) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    for (const needle of needles)
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) count++;
    carry = Buffer.from(bytes.subarray(Math.max(0, bytes.length - (longest - 1))));
  }
  return count;
}

/** Yields a file's bytes in chunks of up to 1 MB into one buffer (procfs gives about 4 KB a read); nothing where it cannot be read. */
function* fileChunks(path: string): Generator<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      let filled = 0;
      for (let n = -1; n !== 0 && filled < buffer.length - 65_536; filled += n)
        n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (filled === 0) return;
      yield buffer.subarray(0, filled);
    }
  } catch {
    return;
  } finally {
    closeSync(fd);
  }
}

/**
 * Returns how many TCP sockets of this machine (its network namespace) are in TIME_WAIT in all, from
 * /proc/net/sockstat's `tw` (a few bytes, where /proc/net/tcp lists every socket), or null where it
 * cannot be read. It bounds the count to any one destination from above.
 */
export function readHostTimeWait(read: ReadText = readText): number | null {
  const tw = /^TCP:.*\btw (\d+)/m.exec(read('/proc/net/sockstat') ?? '')?.[1];
  return tw === undefined ? null : Number(tw);
}

/** Returns the TIME_WAIT sockets to the destinations, from /proc (0 where it cannot be read). */
export function readTimeWait(destinations: readonly Destination[]): number {
  return (
    countTimeWait(fileChunks('/proc/net/tcp'), destinations) + countTimeWait(fileChunks('/proc/net/tcp6'), destinations)
  );
}

/** Returns `HOST:PORT` as /proc/net/tcp{,6} writes it (each 32-bit word in little-endian hex), or null. */
export function procAddress(d: Destination): string | null {
  const port = d.port.toString(16).toUpperCase().padStart(4, '0');
  const family = isIP(d.host);
  if (family === 4) {
    const bytes = d.host.split('.').map(Number).reverse();
    return `${bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('')}:${port}`;
  }
  if (family !== 6) return null;
  const bytes = ipv6Bytes(d.host);
  let hex = '';
  for (let word = 0; word < 4; word++)
    for (let i = 3; i >= 0; i--) hex += (bytes[word * 4 + i] as number).toString(16).toUpperCase().padStart(2, '0');
  return `${hex}:${port}`;
}

/** Returns the 16 bytes of an IPv6 address (an embedded IPv4 tail included). */
function ipv6Bytes(host: string): number[] {
  const [head = '', tail = ''] = host.split('::');
  const words = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((w) => {
          if (w.includes('.')) {
            const [a = 0, b = 0, c = 0, e = 0] = w.split('.').map(Number);
            return [(a << 8) | b, (c << 8) | e];
          }
          return [Number.parseInt(w, 16)];
        });
  const left = words(head);
  const right = host.includes('::') ? words(tail) : [];
  const all = [...left, ...Array.from({ length: 8 - left.length - right.length }, () => 0), ...right];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}
