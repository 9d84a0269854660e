import { isIP } from 'node:net';
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
  if (text === null) return 0;
  const wanted = new Set(destinations.map(procAddress).filter((a): a is string => a !== null));
  let count = 0;
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st ...; TIME_WAIT is state 06.
    if (fields[3] === '06' && wanted.has(fields[2] ?? '')) count++;
  }
  return count;
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
export function readTimeWait(destinations: readonly Destination[], read: ReadText = readText): number {
  return parseTimeWait(read('/proc/net/tcp'), destinations) + parseTimeWait(read('/proc/net/tcp6'), destinations);
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
