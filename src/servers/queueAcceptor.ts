/**
 * The acceptor process of a `queue` target. It owns the listening socket and hands every accepted
 * connection to its parent over IPC. At its limit the parent stops this process (SIGSTOP): the
 * kernel then completes handshakes into the listen backlog that nobody accepts, exactly as a
 * server that stopped calling accept(); past the backlog, SYNs are dropped.
 */
import { createServer } from 'node:net';

const send = process.send?.bind(process);
if (!send) process.exit(1);

process.on('disconnect', () => process.exit(0));
process.once('message', (msg: { host: string; port: number; backlog: number }) => {
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    send({ type: 'conn' }, socket, { keepOpen: false }, (err) => {
      if (err) socket.destroy();
    });
  });
  server.on('error', (err) => {
    send({ type: 'error', message: err.message });
  });
  server.listen({ host: msg.host, port: msg.port, backlog: msg.backlog }, () => {
    const address = server.address();
    send({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
});
