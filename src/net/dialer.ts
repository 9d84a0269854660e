import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createRequire } from 'node:module';
import type WebSocket from 'ws';
import type { Route } from './routes.js';
import type { Channel, SocketHandlers } from './channel.js';
import { LeanSocket } from './leanSocket.js';
import { TCP_BINDINGS } from './tcpBindings.js';
import { formatEndpoint, type Endpoint } from './resolve.js';

/** TLS settings of a probe connection (--tls). */
export interface TlsSettings {
  /** SNI name (--sni, or the destination's host name); absent for an IP literal (RFC 6066). */
  readonly servername?: string | undefined;
  /** Accept any certificate (--insecure). */
  readonly insecure: boolean;
  /** Trusted CA certificates in PEM (--ca FILE); absent, Node's bundled roots. */
  readonly ca?: Buffer | undefined;
}

/**
 * What a connection speaks above TCP: nothing, TLS, or WebSocket (RFC 6455, over TLS with `tls`).
 * A connection counts as open once its handshake (TCP, TLS, or the WebSocket upgrade) is done.
 */
export type Transport =
  | { readonly kind: 'tcp' }
  | { readonly kind: 'tls'; readonly tls: TlsSettings }
  | {
      readonly kind: 'websocket';
      readonly path: string;
      readonly host?: string | undefined;
      readonly tls?: TlsSettings | undefined;
    };

const PLAIN_TCP: Transport = { kind: 'tcp' };

/** Socket settings every probe connection gets. */
export interface DialOptions {
  /** TCP keepalive idle time; 0 turns keepalive off. */
  readonly keepaliveMs: number;
  /** The connection writes (--send, --message): Nagle's algorithm goes off, and it needs a full socket. */
  readonly sends: boolean;
  readonly transport?: Transport | undefined;
  /**
   * Plain TCP connections that never write run on a bare TCP handle (leanSocket.ts) unless this is
   * false (--no-lean-sockets); where this Node does not serve the handle, net.Socket all the same.
   */
  readonly lean?: boolean | undefined;
}

/**
 * Returns a new connection dialing the route's endpoint (from its source address, if any),
 * configured (keepalive; no Nagle when it sends), speaking the transport, and wired to the shared
 * handlers. This is the only place a client connection is created.
 */
export function dial(route: Route, options: DialOptions, handlers: SocketHandlers): Channel {
  const transport = options.transport ?? PLAIN_TCP;
  if (transport.kind === 'websocket') return dialWebSocket(route, options, transport, handlers);
  if (transport.kind === 'tcp' && !options.sends && options.lean !== false && TCP_BINDINGS)
    return LeanSocket.dial(TCP_BINDINGS, route, options.keepaliveMs, handlers);
  const { endpoint, localAddress } = route;
  const base = {
    host: endpoint.host,
    port: endpoint.port,
    family: endpoint.family,
    ...(localAddress === undefined ? {} : { localAddress }),
    noDelay: options.sends,
    keepAlive: options.keepaliveMs > 0,
    keepAliveInitialDelay: options.keepaliveMs,
  };
  let socket: Socket;
  if (transport.kind === 'tls') {
    socket = tlsConnect({ ...base, ...tlsOptions(transport.tls) });
    socket.once('connect', markTcpOpen);
    socket.on('secureConnect', handlers.connect);
  } else {
    socket = connect(base);
    socket.on('connect', handlers.connect);
  }
  socket.on('data', handlers.data);
  socket.on('error', handlers.error);
  socket.on('close', handlers.close);
  if (handlers.drain) socket.on('drain', handlers.drain);
  return socket;
}

/** Marks a TLS socket whose TCP handshake is done (one function for every socket, `this` is the socket). */
function markTcpOpen(this: Socket & { tcpOpen?: boolean }): void {
  this.tcpOpen = true;
}

function tlsOptions(tls: TlsSettings): { servername?: string; rejectUnauthorized: boolean; ca?: Buffer } {
  return {
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: !tls.insecure,
    ...(tls.ca ? { ca: tls.ca } : {}),
  };
}

/**
 * Returns ws's WebSocket class, loaded on the first WebSocket dial: a run over plain TCP or TLS (and
 * every shard of one) never loads it, which spares each process about 40 ms of start-up. `require`
 * is synchronous, as dialing is; Node caches the module.
 */
function webSocketClass(): typeof WebSocket {
  return requireHere('ws') as typeof WebSocket;
}

/** `require` from this module, made once: each WebSocket dial asks it for ws (a cache lookup). */
const requireHere = createRequire(import.meta.url);

/** A WebSocket client as a Channel: binary messages out, message payloads in. */
class WebSocketChannel extends EventEmitter implements Channel {
  /** Set once the TCP connection under the upgrade request is up. */
  tcpOpen = false;

  constructor(private readonly ws: WebSocket) {
    super();
  }

  write(data: Buffer): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(data, { binary: true });
    return this.ws.bufferedAmount === 0;
  }

  destroy(): void {
    this.ws.terminate();
  }

  get localAddress(): string | undefined {
    return (this.ws as unknown as { _socket?: Socket })._socket?.localAddress;
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }
}

function dialWebSocket(
  route: Route,
  options: DialOptions,
  transport: Extract<Transport, { kind: 'websocket' }>,
  handlers: SocketHandlers,
): Channel {
  const { endpoint, localAddress } = route;
  const url = `${transport.tls ? 'wss' : 'ws'}://${formatEndpoint(endpoint)}${transport.path}`;
  const ws = new (webSocketClass())(url, {
    family: endpoint.family,
    ...(localAddress === undefined ? {} : { localAddress }),
    ...(transport.tls ? tlsOptions(transport.tls) : {}),
    perMessageDeflate: false,
    followRedirects: false,
    // The name the user gave, not the address dialed, in the Host header.
    ...(transport.host ? { headers: { host: transport.host } } : {}),
  });
  const channel = new WebSocketChannel(ws);
  // ws keeps its upgrade request private; its socket's connect is the TCP handshake.
  (ws as unknown as { _req?: EventEmitter })._req?.once('socket', (socket: Socket) => {
    if (!socket.connecting) channel.tcpOpen = true;
    else socket.once('connect', () => (channel.tcpOpen = true));
  });
  ws.on('upgrade', (response) => {
    const socket = response.socket;
    socket.setNoDelay(options.sends);
    if (options.keepaliveMs > 0) socket.setKeepAlive(true, options.keepaliveMs);
    // ws queues frames on its socket: that socket's drain is the channel's.
    if (handlers.drain) socket.on('drain', () => handlers.drain?.call(channel));
  });
  ws.on('open', () => handlers.connect.call(channel));
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => handlers.data.call(channel, toBuffer(data)));
  ws.on('unexpected-response', (_request, response) => {
    handlers.error.call(
      channel,
      Object.assign(
        new Error(`WebSocket upgrade refused: HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim()),
        { code: 'EWSHANDSHAKE' },
      ),
    );
    ws.terminate();
  });
  ws.on('error', (err) => handlers.error.call(channel, err));
  ws.on('close', () => handlers.close.call(channel));
  return channel;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
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
