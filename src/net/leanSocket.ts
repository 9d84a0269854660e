import { getSystemErrorName } from 'node:util';
import type { Route } from './routes.js';
import type { Channel, SocketHandlers } from './channel.js';
import { OWNER, UV_EOF, type TcpBindings, type TcpHandle } from './tcpBindings.js';

/**
 * A probe connection on a bare TCP handle, for connections that never write (no --send, no
 * --message, plain TCP): it connects, turns keepalive on, and reads only to see the peer's bytes and
 * its close. No stream states, emitter or timers per connection: it opens connections faster and
 * holds them in less memory than net.Socket (the figures are in the README's Performance section).
 * The handlers are the fleet's shared ones; the handle's callbacks are shared functions too (no
 * closure per connection).
 */
export class LeanSocket implements Channel {
  private closing = false;

  private constructor(
    private readonly bindings: TcpBindings,
    private readonly handle: TcpHandle,
    private readonly handlers: SocketHandlers,
    private readonly keepaliveMs: number,
  ) {}

  /** Returns a lean connection dialing the route; failures arrive through the handlers, as with net.Socket. */
  static dial(bindings: TcpBindings, route: Route, keepaliveMs: number, handlers: SocketHandlers): LeanSocket {
    const handle = new bindings.TCP(bindings.SOCKET);
    const socket = new LeanSocket(bindings, handle, handlers, keepaliveMs);
    handle[OWNER] = socket;
    handle.onread = onRead;
    const { endpoint, localAddress } = route;
    const v6 = endpoint.family === 6;
    let status = localAddress === undefined ? 0 : v6 ? handle.bind6(localAddress, 0, 0) : handle.bind(localAddress, 0);
    if (status === 0) {
      const req = new bindings.TCPConnectWrap();
      req.oncomplete = onConnect;
      status = v6
        ? handle.connect6(req, endpoint.host, endpoint.port)
        : handle.connect(req, endpoint.host, endpoint.port);
    }
    // As net.Socket does: a failure found at once is still reported after dial() returns.
    if (status !== 0) process.nextTick(failLater, socket, status, endpoint.host, endpoint.port);
    return socket;
  }

  write(): boolean {
    throw new Error('a lean connection does not write: dial() gives one only to connections that send nothing');
  }

  destroy(): void {
    if (this.closing) return;
    this.closing = true;
    this.handle.close(onClosed);
  }

  get localAddress(): string | undefined {
    const out: Record<string, unknown> = {};
    return this.handle.getsockname(out) === 0 && typeof out.address === 'string' ? out.address : undefined;
  }

  get writableLength(): number {
    return 0;
  }

  /** The handshake finished (status 0) or failed. */
  onConnect(status: number): void {
    if (this.closing) return; // destroyed while dialing: the close reports it
    if (status < 0) {
      this.fail(status, 'connect');
      return;
    }
    this.handlers.connect.call(this);
    // Closed by its handler (a --channel-lifetime of 0 recycles at open): no keepalive, no reads.
    if (this.closing) return;
    if (this.keepaliveMs > 0) this.handle.setKeepAlive(true, Math.max(1, Math.round(this.keepaliveMs / 1000)));
    const read = this.handle.readStart();
    if (read !== 0) this.fail(read, 'read');
  }

  /** Bytes arrived, or the stream ended (cleanly, or with an error). */
  onRead(buffer: ArrayBuffer | undefined): void {
    const { streamBaseState, kReadBytesOrError, kArrayBufferOffset } = this.bindings;
    const n = streamBaseState[kReadBytesOrError] as number;
    if (n > 0 && buffer) {
      this.handlers.data.call(this, Buffer.from(buffer, streamBaseState[kArrayBufferOffset] as number, n));
    } else if (n === UV_EOF) {
      this.destroy();
    } else if (n < 0) {
      this.fail(n, 'read');
    }
  }

  fail(status: number, syscall: string, where = ''): void {
    const code = getSystemErrorName(status);
    this.handlers.error.call(
      this,
      Object.assign(new Error(`${syscall} ${code}${where}`), { code, errno: status, syscall }),
    );
    this.destroy();
  }

  onClosed(): void {
    this.handlers.close.call(this);
  }
}

function onConnect(status: number, handle: TcpHandle): void {
  (handle[OWNER] as LeanSocket).onConnect(status);
}

function onRead(this: TcpHandle, buffer: ArrayBuffer | undefined): void {
  (this[OWNER] as LeanSocket).onRead(buffer);
}

function onClosed(this: TcpHandle): void {
  (this[OWNER] as LeanSocket).onClosed();
}

function failLater(socket: LeanSocket, status: number, host: string, port: number): void {
  socket.fail(status, 'connect', ` ${host}:${port}`);
}
