// The bench's peer: a plain Node net.Socket client with nothing else (no state machine, no
// verification, no counts), opening N connections over the given loopback ports with at most
// INFLIGHT connects in flight. Prints {"ms": time to N} once all are established, then exits.
import net from 'node:net';

const [portList, total, inflight] = [process.argv[2].split(',').map(Number), Number(process.argv[3]), Number(process.argv[4])];
let started = 0;
let pending = 0;
let established = 0;
const sockets = [];
const t0 = performance.now();
function onConnect() {
  pending--;
  if (++established === total) {
    process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
    for (const s of sockets) s.destroy();
    return;
  }
  dialMore();
}
function onError(err) {
  process.stderr.write(`peer: ${err.code}\n`);
  process.exit(1);
}
function dialMore() {
  while (started < total && pending < inflight) {
    const socket = net.connect({ host: '127.0.0.1', port: portList[started % portList.length] });
    socket.on('connect', onConnect);
    socket.on('error', onError);
    sockets.push(socket);
    started++;
    pending++;
  }
}
dialMore();
