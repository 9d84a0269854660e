import { amqp } from './amqp.js';
import { http } from './http.js';
import { memcached } from './memcached.js';
import { mqtt } from './mqtt.js';
import { mysql } from './mysql.js';
import { nats } from './nats.js';
import { postgres } from './postgres.js';
import type { Protocol } from './protocol.js';
import { redis } from './redis.js';
import { smtp } from './smtp.js';
import { ssh } from './ssh.js';
import { websocket } from './websocket.js';

/** Every protocol a URL target can speak, in the order the README lists them. To add one: a module like redis.ts, listed here. */
export const PROTOCOLS: readonly Protocol[] = [
  redis,
  postgres,
  mysql,
  http,
  websocket,
  ssh,
  mqtt,
  nats,
  memcached,
  amqp,
  smtp,
];

/** The protocols by name: a matcher names its protocol, and is judged on every chunk received. */
const BY_NAME: ReadonlyMap<string, Protocol> = new Map(PROTOCOLS.map((p) => [p.name, p]));

/** Returns the protocol by its name (`PostgreSQL`), as a matcher or a record names it, or undefined. */
export function protocolNamed(name: string): Protocol | undefined {
  return BY_NAME.get(name);
}

/** Returns the protocol of a URL scheme and whether the scheme means TLS, or undefined. */
export function protocolOfScheme(scheme: string): { protocol: Protocol; tls: boolean } | undefined {
  const s = scheme.toLowerCase();
  for (const protocol of PROTOCOLS) {
    if (protocol.schemes.includes(s)) return { protocol, tls: false };
    if (protocol.tlsSchemes.includes(s)) return { protocol, tls: true };
  }
  return undefined;
}

/** Every scheme, plain and TLS, for messages: `redis, rediss, postgres, …`. */
export function allSchemes(): string[] {
  return PROTOCOLS.flatMap((p) => [...p.schemes, ...p.tlsSchemes]);
}
