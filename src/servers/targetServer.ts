import type { ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { WebSocket, WebSocketServer } from 'ws';
import { formatEndpoint } from '../net/resolve.js';
import { forkListeners } from './forkListeners.js';
import { DEFAULT_ERROR_LINE, type TargetServerOptions } from './targetOptions.js';

/** What a built-in target has seen. */
export interface TargetServerStats {
  /** Connections being served now. */
  readonly active: number;
  readonly peakActive: number;
  /** Connections admitted for service, in all. */
  readonly served: number;
  /** Connections closed, reset, evicted or left waiting because of the limit. */
  readonly overLimit: number;
  /** Accepted connections waiting unserved (queue mode). */
  readonly waiting: number;
}

/** A running built-in target. */
export interface TargetServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`, IPv6 in brackets. */
  readonly address: string;
  stats(): TargetServerStats;
  /** Resolves once no connection is open (at once when none is): a run's connections are all gone. */
  idle(): Promise<void>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Returns a started built-in target, listening once the promise resolves. */
export async function startTargetServer(options: TargetServerOptions = {}): Promise<TargetServer> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxConnections ?? Number.POSITIVE_INFINITY;
  const overLimit = options.overLimit ?? 'close';
  const active = new Set<Socket>();
  const waiting = new Set<Socket>();
  const sockets = new Set<Socket>();
  const stats = { peakActive: 0, served: 0, overLimit: 0 };
  const greeting = overLimit === 'error-close' && options.errorLine === undefined ? undefined : options.banner;
  const errorLine = options.errorLine ?? options.banner ?? Buffer.from(DEFAULT_ERROR_LINE);
  const queue = overLimit === 'queue' && Number.isFinite(limit);
  const refusing = overLimit === 'refuse' && Number.isFinite(limit);
  let acceptor: Acceptor | null = null;
  let closing = false;
  const idleWaiters: Array<() => void> = [];
  const layered = options.tls !== undefined || options.websocket === true;
  const secureContext = options.tls ? createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : null;
  const webSockets = options.websocket ? webSocketLayer(options.reply, greeting) : null;

  const slowAfter = options.slowAfter ?? Number.POSITIVE_INFINITY;
  const delayMs = options.delayMs ?? 0;
  function onData(this: Duplex, chunk: Buffer): void {
    const reply = options.reply === 'echo' ? chunk : options.reply;
    if (!reply) return;
    if (active.size <= slowAfter || delayMs <= 0) {
      this.write(reply);
      return;
    }
    setTimeout(() => {
      if (!this.destroyed) this.write(reply);
    }, delayMs).unref();
  }

  /**
   * Serves a connection's application layer: TLS and then WebSocket when asked for, or the bytes
   * themselves. Limits and over-limit behaviour stay on the TCP connection below.
   */
  function speak(socket: Socket): void {
    let stream: Duplex = socket;
    if (secureContext) {
      const secure = new TLSSocket(socket, { isServer: true, secureContext });
      // A failed handshake ends the TLS socket; the TCP one below must close too, to count as gone.
      secure.on('error', () => socket.destroy());
      secure.on('close', () => socket.destroy());
      stream = secure;
    }
    if (webSockets) {
      webSockets.accept(stream);
      return;
    }
    stream.on('data', onData);
    if (greeting && stream instanceof TLSSocket) stream.once('secure', () => stream.write(greeting));
    else if (greeting) stream.write(greeting);
  }
  function onClose(this: Socket): void {
    sockets.delete(this);
    active.delete(this);
    waiting.delete(this);
    if (sockets.size === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    if (closing || active.size >= limit) return;
    const next = waiting.values().next();
    if (!next.done) {
      waiting.delete(next.value);
      serve(next.value);
    } else {
      syncAcceptor();
      if (refusing && !server) void listen(port).catch(() => {});
    }
  }
  function ignoreError(): void {}

  function serve(socket: Socket): void {
    active.add(socket);
    stats.served++;
    if (active.size > stats.peakActive) stats.peakActive = active.size;
    socket.resume();
    if (layered) speak(socket);
    else if (greeting) socket.write(greeting);
    syncAcceptor();
    if (refusing && active.size >= limit && server) {
      server.close(); // new connections are refused; accepted ones stay
      server = null;
    }
  }

  // --accept-rate: connections wait their turn (open, unanswered), one every gapMs. Past a few taken
  // from the kernel, the acceptors stop, so the rest wait in the kernel's accept queue (--backlog),
  // and past that their SYNs are dropped, as at a forking server.
  const gapMs = options.acceptPerSec === undefined ? 0 : 1000 / options.acceptPerSec;
  const intake: Socket[] = [];
  let turnTimer: NodeJS.Timeout | null = null;
  let lastTurnMs = Number.NEGATIVE_INFINITY;
  function scheduleTurn(): void {
    if (turnTimer !== null || intake.length === 0 || closing) return;
    turnTimer = setTimeout(takeTurn, Math.max(0, lastTurnMs + gapMs - performance.now()));
  }
  function takeTurn(): void {
    turnTimer = null;
    lastTurnMs = performance.now();
    const socket = intake.shift();
    // One that gave up waiting still uses its turn, as it does at a forking server.
    if (socket && !socket.destroyed && !closing) take(socket);
    syncAcceptor();
    scheduleTurn();
  }
  /** Stops the acceptors while the target is full (queue) or its intake is (--accept-rate), and starts them again after. */
  function syncAcceptor(): void {
    const full = queue && active.size >= limit;
    if (full || intake.length >= INTAKE_HIGH) acceptor?.pause();
    else if (intake.length <= INTAKE_LOW) acceptor?.resume();
  }

  function admit(socket: Socket): void {
    socket.on('error', ignoreError);
    socket.on('close', onClose);
    if (!layered) socket.on('data', onData);
    socket.pause();
    sockets.add(socket);
    if (closing) {
      socket.destroy();
      return;
    }
    if (gapMs > 0) {
      intake.push(socket);
      syncAcceptor();
      scheduleTurn();
    } else take(socket);
  }

  /** Takes on an admitted connection: serves it, or applies the over-limit behaviour. */
  function take(socket: Socket): void {
    if (active.size < limit) {
      serve(socket);
      return;
    }
    stats.overLimit++;
    if (overLimit === 'queue') waiting.add(socket);
    else if (overLimit === 'refuse')
      socket.resetAndDestroy(); // accepted in the same batch as the last one admitted
    else if (overLimit === 'reset') socket.resetAndDestroy();
    else if (overLimit === 'error-close')
      socket.end(greeting ? Buffer.concat([greeting, errorLine]) : errorLine).resume();
    else if (overLimit === 'close') socket.end().resume();
    else {
      const oldest = active.values().next().value as Socket;
      active.delete(oldest);
      oldest.end();
      serve(socket);
    }
  }

  let server: Server | null = null;
  let port = options.port ?? 0;
  /** Listens (again, for `refuse`) on the port; resolves with the port bound. */
  function listen(on: number): Promise<number> {
    const listener = createServer({ pauseOnConnect: true }, admit);
    server = listener;
    return new Promise<number>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host, port: on, backlog: options.backlog ?? 511 }, () => {
        listener.off('error', reject);
        resolve((listener.address() as { port: number }).port);
      });
    });
  }
  if (queue || gapMs > 0) {
    acceptor = await startAcceptor(host, port, options.backlog ?? 511, admit);
    port = acceptor.port;
  } else port = await listen(port);

  return {
    host,
    port,
    address: formatEndpoint({ host, port }),
    stats: () => ({ active: active.size, waiting: waiting.size, ...stats }),
    idle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    async close() {
      closing = true;
      if (turnTimer !== null) clearTimeout(turnTimer);
      const listener = server as Server | null;
      const closed = new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
      await acceptor?.stop();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The WebSocket side of a target: HTTP upgrades on connections handed to it, answered per message. */
function webSocketLayer(
  reply: TargetServerOptions['reply'],
  greeting: Buffer | undefined,
): { accept(stream: Duplex): void } {
  // ws is loaded only for a WebSocket target: a plain or TLS one never loads it.
  const { WebSocketServer: Server } = createRequire(import.meta.url)('ws') as {
    WebSocketServer: typeof WebSocketServer;
  };
  const wss = new Server({ noServer: true, perMessageDeflate: false });
  const http = createHttpServer((_request, response) => {
    response.writeHead(426, { connection: 'close', upgrade: 'websocket' }).end('this server speaks WebSocket\n');
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      ws.on('error', () => {});
      if (greeting) ws.send(greeting, { binary: true });
      ws.on('message', (data: Buffer) => {
        if (reply === 'echo') ws.send(data, { binary: true });
        else if (reply) ws.send(reply, { binary: true });
      });
    });
  });
  http.on('clientError', (_err, socket: Duplex) => socket.destroy());
  return { accept: (stream) => http.emit('connection', stream) };
}

/** With --accept-rate: connections taken from the kernel ahead of their turn, at most (the acceptors stop there). */
const INTAKE_HIGH = 8;
const INTAKE_LOW = 2;

interface Acceptor {
  readonly port: number;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Acceptor processes of a queue target; Node passes one handle per IPC round trip, so several: one
 * a core, from two to four. On two cores, two take on about 4,400 connections a second, as four do,
 * where one takes 3,100-3,600.
 */
const acceptorCount = (): number => Math.min(4, Math.max(2, availableParallelism()));

/**
 * Starts the acceptor processes of a queue target; see queueAcceptor.ts. This process creates the
 * listening socket, lends its descriptor to every acceptor and then closes its own copy, so that
 * only the acceptors (which can be stopped) ever call accept().
 */
async function startAcceptor(
  host: string,
  port: number,
  backlog: number,
  admit: (s: Socket) => void,
): Promise<Acceptor> {
  const listener = createServer({ pauseOnConnect: true }, admit); // only until the acceptors run
  const listeningPort = await new Promise<number>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host, port, backlog }, () => resolve((listener.address() as { port: number }).port));
  });
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  let children: ChildProcess[];
  try {
    children = await forkListeners(
      'queueAcceptor',
      Array.from({ length: acceptorCount() }, () => ({ args: [String(backlog)], fds: [fd] })),
      (child) => {
        child.on('message', (msg: { type: string }, handle) => {
          if (msg.type === 'conn' && handle) admit(handle as Socket);
        });
      },
    );
  } catch (err) {
    listener.close();
    throw err;
  }
  listener.close();
  let paused = false;
  const signal = (sig: NodeJS.Signals): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  return {
    port: listeningPort,
    pause() {
      if (!paused) signal('SIGSTOP');
      paused = true;
    },
    resume() {
      if (paused) signal('SIGCONT');
      paused = false;
    },
    async stop() {
      const exited = children
        .filter((child) => child.exitCode === null && child.signalCode === null)
        .map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
      signal('SIGCONT');
      signal('SIGTERM');
      await Promise.all(exited);
    },
  };
}
