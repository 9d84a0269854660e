/**
 * A worker process of a multi-process hold target (holdServer.ts). It inherits the target's
 * listening sockets as file descriptors 4, 5, …, accepts from all of them, reads and discards what
 * clients send (or echoes it), and keeps every connection open until the client closes it. It
 * reports when it holds its open-file budget (`full`): past that, accepts fail with EMFILE and the
 * kernel's accept queue fills, so a hold target needs enough workers for the connections it takes.
 */
import { createServer, type Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { TCP_BINDINGS } from '../net/tcpBindings.js';
import { listenLean } from '../servers/leanAcceptor.js';

interface WorkerArgs {
  readonly listeners: number;
  readonly backlog: number;
  readonly cap: number;
  readonly echo: boolean;
}

type WorkerReply =
  | { type: 'listening' }
  | { type: 'error'; message: string }
  | { type: 'stats'; id: number; active: number; served: number; full: boolean };

runHoldWorker(
  JSON.parse(process.argv[2] ?? '{}') as WorkerArgs,
  process.send?.bind(process) as ((m: WorkerReply) => boolean) | undefined,
);

function runHoldWorker(args: WorkerArgs, send: ((m: WorkerReply) => boolean) | undefined): void {
  if (!send) process.exit(1);
  const stats = { active: 0, served: 0, full: false };
  function onClose(): void {
    stats.active--;
    stats.full = stats.active >= args.cap;
  }
  function onOpen(): void {
    stats.active++;
    stats.served++;
    if (stats.active >= args.cap) stats.full = true;
  }
  function ignore(): void {}
  function echo(this: Socket, chunk: Buffer): void {
    this.write(chunk);
  }
  function accept(socket: Socket): void {
    onOpen();
    socket.on('error', ignore);
    socket.on('close', onClose);
    if (args.echo) socket.on('data', echo);
    else socket.resume();
  }
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: { type: string; id: number }) => {
    if (msg.type === 'stats') send({ type: 'stats', id: msg.id, ...stats });
  });
  // Holding without echo needs no net.Socket per connection: bare handles, where Node serves them.
  if (!args.echo && TCP_BINDINGS) {
    const counter = { opened: onOpen, closed: onClose };
    for (let i = 0; i < args.listeners; i++) {
      const status = listenLean(TCP_BINDINGS, 4 + i, args.backlog, counter);
      if (status !== 0) {
        send({ type: 'error', message: `listen on descriptor ${4 + i}: ${getSystemErrorName(status)}` });
        return;
      }
    }
    send({ type: 'listening' });
    return;
  }
  const servers = Array.from({ length: args.listeners }, () => createServer(accept));
  let listening = 0;
  servers.forEach((server, i) => {
    server.on('error', (err) => send({ type: 'error', message: err.message }));
    // For a descriptor, Node takes the backlog from the second argument only (see queueAcceptor.ts).
    server.listen({ fd: 4 + i }, args.backlog, () => {
      if (++listening === servers.length) send({ type: 'listening' });
    });
  });
}
