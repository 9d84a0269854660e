// The bench's peers: the least a Node client can do to open connections, with nothing else (no
// state machine, no verification, no counts). Usage:
//   benchPeer.mjs net|handle PORTS N INFLIGHT          open N over the loopback ports, at most
//                                                      INFLIGHT connecting; prints {"ms": time to N}
//   benchPeer.mjs churn PORTS CONCURRENCY SECONDS      connect, close, reconnect for SECONDS;
//                                                      prints {"perSec": connections established per second}
// `net` uses net.Socket; `handle` and `churn` use Node's bare TCP handle (tcp_wrap), as
// goon-probe's lean sockets do. Every connection goes to 127.0.0.1.
import net from 'node:net';

const [mode, portList, a, b] = [
  process.argv[2],
  process.argv[3].split(',').map(Number),
  Number(process.argv[4]),
  Number(process.argv[5]),
];
const { TCP, TCPConnectWrap, constants } = process.binding('tcp_wrap');
const t0 = performance.now();
let started = 0;
let established = 0;
const fail = (code) => {
  process.stderr.write(`peer: ${code}\n`);
  process.exit(1);
};

if (mode === 'churn') {
  const [concurrency, seconds] = [a, b];
  let stopping = false;
  const onComplete = (status, handle) => {
    if (status < 0) fail(status);
    established++;
    handle.close();
    if (!stopping) dialHandle(onComplete);
  };
  for (let i = 0; i < concurrency; i++) dialHandle(onComplete);
  setTimeout(() => {
    stopping = true;
    process.stdout.write(`${JSON.stringify({ perSec: (established * 1000) / (performance.now() - t0) })}\n`);
    process.exit(0);
  }, seconds * 1000);
} else {
  const [total, inflight] = [a, b];
  let pending = 0;
  const open = [];
  const onOpen = () => {
    pending--;
    if (++established === total) {
      process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
      process.exit(0);
    }
    dialMore();
  };
  const onComplete = (status, handle) => {
    if (status < 0) fail(status);
    handle.setKeepAlive(true, 15);
    handle.readStart();
    onOpen();
  };
  function dialMore() {
    while (started < total && pending < inflight) {
      pending++;
      if (mode === 'handle') {
        open.push(dialHandle(onComplete));
        continue;
      }
      const socket = net.connect({ host: '127.0.0.1', port: portList[started++ % portList.length] });
      socket.on('connect', onOpen);
      socket.on('error', (err) => fail(err.code));
      open.push(socket);
    }
  }
  dialMore();
}

function dialHandle(oncomplete) {
  const handle = new TCP(constants.SOCKET);
  handle.onread = () => {};
  const req = new TCPConnectWrap();
  req.oncomplete = oncomplete;
  const err = handle.connect(req, '127.0.0.1', portList[started++ % portList.length]);
  if (err) fail(err);
  return handle;
}
