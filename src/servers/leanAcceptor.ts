import { OWNER, type TcpBindings, type TcpHandle } from '../net/tcpBindings.js';

/** What a lean acceptor tells its owner: a connection accepted, a connection closed. */
export interface AcceptCounter {
  opened(): void;
  closed(): void;
}

/**
 * Listens on an inherited listening descriptor with a bare TCP handle, accepts every connection,
 * and reads from each only to see its close (the bytes are dropped). No net.Socket per connection:
 * a hold target that answers nothing needs none, and at tens of thousands of accepts a second on
 * two cores its own cost is what the prober's rate would measure. Returns 0, or the libuv error of
 * opening or listening.
 */
export function listenLean(bindings: TcpBindings, fd: number, backlog: number, counter: AcceptCounter): number {
  const server = new bindings.TCP(bindings.SERVER);
  server[OWNER] = counter;
  server.onconnection = onConnection;
  const opened = server.open(fd);
  return opened !== 0 ? opened : server.listen(backlog);
}

function onConnection(this: TcpHandle, status: number, client: TcpHandle | undefined): void {
  // A failed accept (EMFILE past the budget): libuv already dropped that connection.
  if (status !== 0 || !client) return;
  const counter = this[OWNER] as AcceptCounter;
  client[OWNER] = counter;
  client.onread = onRead;
  counter.opened();
  if (client.readStart() !== 0) client.close(onClosed);
}

/**
 * Drops bytes; at the end of the stream, or an error, closes the connection. Node calls `onread`
 * with a buffer for bytes and with none for the end or an error (its count is negative then).
 */
function onRead(this: TcpHandle, buffer: ArrayBuffer | undefined): void {
  if (buffer === undefined) this.close(onClosed);
}

function onClosed(this: TcpHandle): void {
  (this[OWNER] as AcceptCounter).closed();
}
