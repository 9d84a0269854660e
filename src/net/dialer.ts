import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { Route } from '../routes.js';
import type { Endpoint } from './resolve.js';

/** Socket settings every probe connection gets. */
export interface DialOptions {
  /** TCP keepalive idle time; 0 turns keepalive off. */
  readonly keepaliveMs: number;
  /** Turn off Nagle's algorithm: only worth its system call on connections that send. */
  readonly noDelay: boolean;
}

/**
 * Event handlers shared by every socket of a fleet: one set of functions, `this` is the socket,
 * so that holding 100k connections costs no closure per socket.
 */
export interface SocketHandlers {
  connect(this: Socket): void;
  data(this: Socket, chunk: Buffer): void;
  error(this: Socket, err: Error): void;
  close(this: Socket, hadError: boolean): void;
}

/**
 * Returns a new client socket dialing the route's endpoint (from its source address, if any),
 * configured (keepalive; no Nagle when it sends) and wired to the shared handlers. This is the only place a
 * client socket is created.
 */
export function dial(route: Route, options: DialOptions, handlers: SocketHandlers): Socket {
  const { endpoint, localAddress } = route;
  const socket = connect({
    host: endpoint.host,
    port: endpoint.port,
    family: endpoint.family,
    ...(localAddress === undefined ? {} : { localAddress }),
    noDelay: options.noDelay,
    keepAlive: options.keepaliveMs > 0,
    keepAliveInitialDelay: options.keepaliveMs,
  });
  socket.on('connect', handlers.connect);
  socket.on('data', handlers.data);
  socket.on('error', handlers.error);
  socket.on('close', handlers.close);
  return socket;
}

/**
 * Returns the local address the kernel would pick to reach the endpoint, or null. It connects a
 * UDP socket, which only looks up the route: no packet is sent.
 */
export function sourceAddressFor(endpoint: Endpoint): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket(endpoint.family === 6 ? 'udp6' : 'udp4');
    const done = (address: string | null): void => {
      socket.close();
      resolve(address);
    };
    socket.on('error', () => done(null));
    socket.connect(endpoint.port, endpoint.host, () => done(socket.address().address));
  });
}
