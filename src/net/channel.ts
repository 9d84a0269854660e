/**
 * One probe connection as the fleet sees it: a plain socket, a bare TCP handle (leanSocket.ts), a TLS
 * socket, or a WebSocket behind an adapter. `connect` fires once the handshake is done, `data` carries received bytes (WebSocket
 * message payloads), `drain` when queued bytes are written.
 */
export interface Channel {
  write(data: Buffer): boolean;
  destroy(): void;
  readonly localAddress?: string | undefined;
  /** Bytes queued but not yet handed to the kernel. */
  readonly writableLength: number;
  /**
   * True once the TCP handshake is done while a TLS or WebSocket handshake may still be going on
   * (only set by those transports): a timeout then is the handshake's, not an unanswered SYN.
   */
  readonly tcpOpen?: boolean | undefined;
}

/**
 * Event handlers shared by every connection of a fleet: one set of functions, `this` is the channel,
 * so that holding 100k connections costs no closure per socket.
 */
export interface SocketHandlers {
  connect(this: Channel): void;
  data(this: Channel, chunk: Buffer): void;
  error(this: Channel, err: Error): void;
  close(this: Channel): void;
  /** Attached only when given: a fleet that sends as fast as sockets take bytes refills on it. */
  drain?: ((this: Channel) => void) | undefined;
}
