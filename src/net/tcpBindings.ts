/**
 * Node's own TCP handle (tcp_wrap) and its read state (stream_wrap): what net.Socket and net.Server
 * are built on. A net.Socket adds two stream states, an event emitter and timers to every
 * connection; a connection that never writes needs none of them (leanSocket.ts for the prober,
 * leanAcceptor.ts for the hold target). Reached through `process.binding`, which Node documents as
 * deprecated (DEP0111, a documentation-only deprecation) but still serves for these two modules;
 * TCP_BINDINGS is null where a Node no longer does, and callers then use node:net.
 */
export interface TcpBindings {
  readonly TCP: new (type: number) => TcpHandle;
  readonly TCPConnectWrap: new () => ConnectRequest;
  /** Handle types: a connection, or a listener. */
  readonly SOCKET: number;
  readonly SERVER: number;
  /** Where a read callback finds its byte count (or libuv error) and its offset in the buffer. */
  readonly streamBaseState: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kArrayBufferOffset: number;
}

/** A tcp_wrap handle: every call returns 0 or a negative libuv error number. */
export interface TcpHandle {
  onread: ((this: TcpHandle, buffer: ArrayBuffer | undefined) => void) | null;
  onconnection: ((this: TcpHandle, status: number, client: TcpHandle | undefined) => void) | null;
  open(fd: number): number;
  listen(backlog: number): number;
  connect(req: ConnectRequest, address: string, port: number): number;
  connect6(req: ConnectRequest, address: string, port: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  setKeepAlive(enable: boolean, delaySec: number): number;
  readStart(): number;
  getsockname(out: Record<string, unknown>): number;
  /** Closes the handle; the callback runs (with the handle as `this`) once libuv has closed it. */
  close(callback?: (this: TcpHandle) => void): void;
  /** The object that owns the handle, for the shared callbacks. */
  [OWNER]?: unknown;
}

/** A connect request: `oncomplete` gets the status (0 or a libuv error) and the handle. */
export interface ConnectRequest {
  oncomplete: ((status: number, handle: TcpHandle) => void) | null;
}

/** The property a handle's owner is kept under. */
export const OWNER = Symbol('goon-probe.owner');
/** libuv's end of stream: the peer closed cleanly. */
export const UV_EOF = -4095;

const METHODS = [
  'open',
  'listen',
  'connect',
  'connect6',
  'bind',
  'bind6',
  'setKeepAlive',
  'readStart',
  'getsockname',
  'close',
];

/** The bindings, or null when this Node does not serve them. */
export const TCP_BINDINGS: TcpBindings | null = loadBindings();

function loadBindings(): TcpBindings | null {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: Node's internal bindings have no published types
    const binding = (process as unknown as { binding(name: string): Record<string, any> }).binding;
    const tcp = binding('tcp_wrap');
    const stream = binding('stream_wrap');
    const ok =
      typeof tcp.TCP === 'function' &&
      typeof tcp.TCPConnectWrap === 'function' &&
      typeof tcp.constants?.SOCKET === 'number' &&
      typeof tcp.constants?.SERVER === 'number' &&
      stream.streamBaseState instanceof Int32Array &&
      typeof stream.kReadBytesOrError === 'number' &&
      typeof stream.kArrayBufferOffset === 'number' &&
      METHODS.every((m) => typeof tcp.TCP.prototype[m] === 'function');
    if (!ok) return null;
    return {
      TCP: tcp.TCP,
      TCPConnectWrap: tcp.TCPConnectWrap,
      SOCKET: tcp.constants.SOCKET,
      SERVER: tcp.constants.SERVER,
      streamBaseState: stream.streamBaseState,
      kReadBytesOrError: stream.kReadBytesOrError,
      kArrayBufferOffset: stream.kArrayBufferOffset,
    };
  } catch {
    return null;
  }
}
