/**
 * An acceptor process of a `queue` target. It inherits the listening socket as file descriptor 4
 * and hands every accepted connection to its parent over IPC. At its limit the parent stops every
 * acceptor (SIGSTOP): the kernel then completes handshakes into the listen backlog that nobody
 * accepts, exactly as a server that stopped calling accept(); past the backlog, SYNs are dropped.
 * Node sends one handle per IPC round trip, so the target runs several acceptors side by side.
 */
import { createServer } from 'node:net';

const send = process.send?.bind(process);
if (!send) process.exit(1);

process.on('disconnect', () => process.exit(0));
const server = createServer({ pauseOnConnect: true }, (socket) => {
  send({ type: 'conn' }, socket, { keepOpen: false }, (err) => {
    if (err) socket.destroy();
  });
});
server.on('error', (err) => send({ type: 'error', message: err.message }));
// listen() on an inherited socket sets its backlog again: pass the target's, not Node's default
// (for a descriptor, Node reads the backlog from the second argument only, not from the options).
server.listen({ fd: 4 }, Number(process.argv[2]), () => send({ type: 'listening' }));
